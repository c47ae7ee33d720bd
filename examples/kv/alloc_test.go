package main

import (
	"testing"

	"github.com/netloop/netloop/codec/resp"
	"github.com/netloop/netloop/conn"
)

// fakeConn is a conn.Conn that keeps what the handler writes, on a loop
// of its own, for calling the handler without an engine.
type fakeConn struct {
	conn.Conn // the methods the handler does not call: nil
	out       []byte
	value     any
	loop      conn.Loop
}

func (f *fakeConn) Write(p []byte) (int, error) { f.out = append(f.out, p...); return len(p), nil }
func (f *fakeConn) Context() any                { return f.value }
func (f *fakeConn) SetContext(v any)            { f.value = v }
func (f *fakeConn) Loop() conn.Loop             { return f.loop }
func (f *fakeConn) Close() error                { return nil }

// oneLoop is loop 0 of 1; nothing here sets timers or posts.
type oneLoop struct{ conn.Loop }

func (oneLoop) Index() int { return 0 }
func (oneLoop) Count() int { return 1 }

// TestAllocs: once a key exists, a pipeline of the commands
// redis-benchmark sends, and a SET ... GET, allocates nothing per request.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	s := newServer()
	s.OnLoopStart(oneLoop{})
	c := &fakeConn{loop: oneLoop{}}
	s.OnOpen(c)
	var in []byte
	in = resp.AppendCommand(in, "SET", "key:000000000042", "xxx")
	in = resp.AppendCommand(in, "SET", "key:000000000042", "xxx", "GET")
	in = resp.AppendCommand(in, "GET", "key:000000000042")
	in = resp.AppendCommand(in, "INCR", "counter:000000000042")
	in = resp.AppendCommand(in, "PING")
	in = append(in, "PING\r\n"...)
	in = append(in, "GET key:000000000042\r\n"...)
	run := func() {
		c.out = c.out[:0]
		if n := s.OnData(c, in); n != len(in) {
			t.Fatalf("consumed %d of %d", n, len(in))
		}
	}
	run()
	if got, want := string(c.out), "+OK\r\n$3\r\nxxx\r\n$3\r\nxxx\r\n:1\r\n+PONG\r\n+PONG\r\n$3\r\nxxx\r\n"; got != want {
		t.Fatalf("replies %q, want %q", got, want)
	}
	if n := testing.AllocsPerRun(1000, run); n != 0 {
		t.Errorf("%v allocations per pipeline of 7 commands, want 0", n)
	}
}
