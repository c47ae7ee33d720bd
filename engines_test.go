package netloop_test

import (
	"errors"
	"io"
	"net"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// engines lists every engine the front door can start.
var engines = []conn.Engine{conn.EngineReactor, conn.EngineProactor, conn.EngineGoroutine}

// startEcho serves an echo handler with engine e on 127.0.0.1:0 until the
// test ends, skipping the test if the engine cannot run here.
func startEcho(tb testing.TB, e conn.Engine, loops int) string {
	return start(tb, e, loops, echoHandler{})
}

// start serves h with engine e on 127.0.0.1:0 until the test ends.
func start(tb testing.TB, e conn.Engine, loops int, h conn.Handler) string {
	tb.Helper()
	s, err := netloop.Listen("127.0.0.1:0", netloop.Config{Engine: e, Loops: loops})
	if errors.Is(err, errors.ErrUnsupported) {
		tb.Skipf("engine %s: %v", e, err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return serveUntilCleanup(tb, s, h)
}

type echoHandler struct{}

func (echoHandler) OnOpen(conn.Conn)                  {}
func (echoHandler) OnData(c conn.Conn, in []byte) int { c.Write(in); return len(in) }
func (echoHandler) OnClose(conn.Conn, error)          {}

// stdEcho is the baseline: the standard library with one goroutine per
// connection, as most Go servers are written.
func stdEcho(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		var conns sync.WaitGroup
		defer conns.Wait()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Go(func() {
				defer c.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
			})
		}
	})
	tb.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

// dialAll opens n client connections.
func dialAll(tb testing.TB, addr string, n int) []net.Conn {
	tb.Helper()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			tb.Fatal(err)
		}
		conns[i] = c
	}
	tb.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	return conns
}

// roundTrip writes msg on c and reads the echo into buf.
func roundTrip(c net.Conn, msg, buf []byte) error {
	if _, err := c.Write(msg); err != nil {
		return err
	}
	_, err := io.ReadFull(c, buf[:len(msg)])
	return err
}

// TestEveryEngineServes echoes through the front door on each engine, and
// checks what the automatic choice may pick here.
func TestEveryEngineServes(t *testing.T) {
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			c := dialAll(t, startEcho(t, e, 1), 1)[0]
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if err := roundTrip(c, []byte("hello"), make([]byte, 5)); err != nil {
				t.Fatal(err)
			}
			if got := netloop.Chosen(e); got != e {
				t.Errorf("Chosen(%s) = %s", e, got)
			}
		})
	}
	want := map[string][]conn.Engine{
		"linux": {conn.EngineProactor, conn.EngineReactor},
	}[runtime.GOOS]
	if want == nil {
		want = []conn.Engine{conn.EngineGoroutine}
	}
	if got := netloop.Chosen(conn.EngineAuto); !slices.Contains(want, got) {
		t.Errorf("Chosen(auto) = %s on %s, want one of %v", got, runtime.GOOS, want)
	}
}
