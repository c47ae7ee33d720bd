package main

import (
	"net"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// recorder is a conn.Conn that keeps what the handler writes, for calling
// the handler directly, without an engine. The methods the handler does
// not use come from the nil embedded interface: calling one panics.
type recorder struct {
	conn.Conn
	out     []byte
	value   any
	closed  bool
	timeout time.Time
}

func (r *recorder) Write(p []byte) (int, error) { r.out = append(r.out, p...); return len(p), nil }
func (r *recorder) Writev(bufs [][]byte) (int, error) {
	n := 0
	for _, b := range bufs {
		m, _ := r.Write(b)
		n += m
	}
	return n, nil
}
func (r *recorder) SetDeadline(t time.Time) error { r.timeout = t; return nil }
func (r *recorder) LocalAddr() net.Addr           { return nil }
func (r *recorder) RemoteAddr() net.Addr          { return nil }
func (r *recorder) Context() any                  { return r.value }
func (r *recorder) SetContext(v any)              { r.value = v }
func (r *recorder) Close() error                  { r.closed = true; return nil }

// TestPlaintextAllocs proves the plaintext path, from request bytes to the
// response handed to Write, allocates nothing per request.
func TestPlaintextAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items, which allocates")
	}
	tests := []struct {
		name string
		in   string
	}{
		{name: "GET /", in: "GET / HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: wrk\r\n\r\n"},
		{name: "pipelined x4", in: "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n"},
		{name: "POST /echo", in: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := defaultServer()
			c := &recorder{out: make([]byte, 0, 4096)}
			s.OnOpen(c)
			in := []byte(tt.in)
			allocs := testing.AllocsPerRun(1000, func() {
				c.out = c.out[:0]
				if n := s.OnData(c, in); n != len(in) || c.closed {
					t.Fatalf("OnData consumed %d of %d, closed %v", n, len(in), c.closed)
				}
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per OnData, want 0", allocs)
			}
		})
	}
}

func BenchmarkPlaintext(b *testing.B) {
	s := defaultServer()
	c := &recorder{out: make([]byte, 0, 4096)}
	s.OnOpen(c)
	in := []byte("GET / HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		c.out = c.out[:0]
		s.OnData(c, in)
	}
}
