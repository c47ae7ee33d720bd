package netloop_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// TestNewClient: the front door makes a client of every engine, auto
// choosing as Listen does, and its dials reach a server of another
// engine.
func TestNewClient(t *testing.T) {
	addr := startEcho(t, conn.EngineGoroutine, 1)
	for _, e := range append([]conn.Engine{conn.EngineAuto}, engines...) {
		t.Run(e.String(), func(t *testing.T) {
			c, err := netloop.NewClient(netloop.Config{Engine: e, Loops: 2})
			if errors.Is(err, errors.ErrUnsupported) {
				t.Skipf("engine %s: %v", e, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got, want := c.Engine(), netloop.Chosen(e); got != want {
				t.Errorf("Engine() = %s, want %s", got, want)
			}
			p := pinger{replies: make(chan string, 1), closed: make(chan error, 1)}
			if err := c.Dial(context.Background(), "tcp", addr, p); err != nil {
				t.Fatal(err)
			}
			select {
			case r := <-p.replies:
				if r != "ping" {
					t.Errorf("reply %q, want ping", r)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no reply")
			}
			if err := <-p.closed; err != nil {
				t.Errorf("OnClose: %v", err)
			}
			// Each loop publishes its counters once per iteration.
			for deadline := time.Now().Add(10 * time.Second); ; {
				st := c.Stats().Total()
				if st.Dialed == 1 && st.Accepted == 0 && st.Open == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("Stats: %+v; want one dial, no accept, none open", st)
				}
				time.Sleep(5 * time.Millisecond) // polling the counters, not synchronising
			}
		})
	}
	if _, err := netloop.NewClient(netloop.Config{Engine: "bogus"}); err == nil {
		t.Error("NewClient with an unknown engine: nil error")
	}
}

// greeter is a net-package server that writes one byte to each
// connection and closes it first, so that the TIME_WAIT of a benchmark's
// thousands of dials is on its side and the client's ports stay free.
func greeter(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte{'g'})
			c.Close()
		}
	})
	tb.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

// greeted is a dialled connection's handler: it waits for the greeting
// and the server's close.
type greeted struct{ done chan error }

func (greeted) OnOpen(conn.Conn)                  {}
func (greeted) OnData(c conn.Conn, in []byte) int { return len(in) }
func (g greeted) OnClose(c conn.Conn, err error) {
	if errors.Is(err, io.EOF) {
		err = nil
	}
	g.done <- err
}

// BenchmarkClientDial measures one outbound connection after another:
// each op dials, takes the server's one-byte greeting and sees the
// server close. engine=std is net.Dial with a read, for comparison in the
// same run. timeout=config bounds each dial with Config.DialTimeout, a
// timer of the loop; timeout=context with a context.WithTimeout per
// dial, as a caller would without it.
func BenchmarkClientDial(b *testing.B) {
	addr := greeter(b)
	b.Run("engine=std", func(b *testing.B) {
		buf := make([]byte, 1)
		b.ReportAllocs()
		for b.Loop() {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				b.Fatal(err)
			}
			c.Close()
		}
	})
	for _, e := range engines {
		for _, timeout := range []string{"config", "context"} {
			b.Run("engine="+e.String()+"/timeout="+timeout, func(b *testing.B) {
				cfg := netloop.Config{Engine: e, Loops: 1}
				if timeout == "config" {
					cfg.DialTimeout = 5 * time.Second
				}
				c, err := netloop.NewClient(cfg)
				if errors.Is(err, errors.ErrUnsupported) {
					b.Skipf("engine %s: %v", e, err)
				}
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				g := greeted{done: make(chan error, 1)}
				b.ReportAllocs()
				for b.Loop() {
					ctx, cancel := context.Background(), context.CancelFunc(func() {})
					if timeout == "context" {
						ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
					}
					if err := c.Dial(ctx, "tcp", addr, g); err != nil {
						b.Fatal(err)
					}
					if err := <-g.done; err != nil {
						b.Fatal(err)
					}
					cancel()
				}
			})
		}
	}
}
