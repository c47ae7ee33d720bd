package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/conn/conntest"
)

// startProxy serves a proxy to backends on addr with engine e until the
// test ends, and returns the address it listens on.
func startProxy(t *testing.T, e conn.Engine, addr string, backends ...string) (string, *logs) {
	return startProxyTimeout(t, e, addr, time.Second, backends...)
}

// startProxyTimeout is startProxy with a connect timeout.
func startProxyTimeout(t *testing.T, e conn.Engine, addr string, timeout time.Duration, backends ...string) (string, *logs) {
	t.Helper()
	lg := &logs{}
	p := &proxy{timeout: timeout, highWater: 64 << 10, logf: lg.printf}
	for _, b := range backends {
		p.backends = append(p.backends, parseBackend(b))
	}
	srv, err := netloop.Listen(addr, netloop.Config{Engine: e, Loops: 2, DialTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- srv.Serve(ctx, p) }()
	t.Cleanup(func() { cancel(); <-done })
	if ua, ok := srv.Addr().(*net.UnixAddr); ok {
		return "unix:" + ua.Name, lg
	}
	return srv.Addr().String(), lg
}

type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) printf(f string, a ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(f, a...))
	l.mu.Unlock()
}

// echoBackend is a net-package echo server.
func echoBackend(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(struct{ io.Writer }{c}, struct{ io.Reader }{c}); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	network := "tcp"
	if len(addr) > 5 && addr[:5] == "unix:" {
		network, addr = "unix", addr[5:]
	}
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// engines are those the proxy is tested on: every engine, since a handler
// runs unchanged on each.
var engines = []conn.Engine{conn.EngineReactor, conn.EngineProactor, conn.EngineGoroutine}

// TestRelay: bytes go through both ways, over TCP and a Unix socket, a
// closed backend is skipped for a live one, and a megabyte passes the
// high-water mark both ways without loss.
func TestRelay(t *testing.T) {
	for _, e := range engines {
		t.Run(e.String(), func(t *testing.T) {
			if e == conn.EngineProactor && netloop.Chosen(conn.EngineAuto) != conn.EngineProactor {
				t.Skip("io_uring unavailable")
			}
			closed, _ := net.Listen("tcp", "127.0.0.1:0")
			dead := closed.Addr().String()
			closed.Close()
			be := echoBackend(t)
			for _, listen := range []string{"127.0.0.1:0", "unix:" + filepath.Join(t.TempDir(), "p.sock")} {
				addr, _ := startProxy(t, e, listen, dead, be)
				for range 4 { // round-robin meets the dead one too
					c := dial(t, addr)
					msg := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
					go c.Write(msg)
					got := make([]byte, len(msg))
					if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
						t.Fatalf("%s: relayed %v, equal %v", listen, err, bytes.Equal(got, msg))
					}
					c.Close()
				}
			}
		})
	}
}

// TestBackendDies: a backend that resets mid-stream closes its client,
// with a log line.
func TestBackendDies(t *testing.T) {
	for _, e := range engines {
		t.Run(e.String(), func(t *testing.T) {
			if e == conn.EngineProactor && netloop.Chosen(conn.EngineAuto) != conn.EngineProactor {
				t.Skip("io_uring unavailable")
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Write([]byte("partial"))
				c.(*net.TCPConn).SetLinger(0)
				c.Close() // a reset
			}()
			addr, lg := startProxy(t, e, "127.0.0.1:0", ln.Addr().String())
			c := dial(t, addr)
			c.Write([]byte("hello"))
			b, err := io.ReadAll(c)
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("client read %q, then %v: the client was not closed", b, err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				lg.mu.Lock()
				n := len(lg.lines)
				lg.mu.Unlock()
				if n > 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond) // polling for the log line
			}
			if len(lg.lines) == 0 {
				t.Error("no log line for the backend that died")
			}
		})
	}
}

// TestHalfClose: the client's FIN reaches the backend, which answers
// only then, and its answer and FIN reach the client.
func TestHalfClose(t *testing.T) {
	for _, e := range engines {
		t.Run(e.String(), func(t *testing.T) {
			if e == conn.EngineProactor && netloop.Chosen(conn.EngineAuto) != conn.EngineProactor {
				t.Skip("io_uring unavailable")
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				got, _ := io.ReadAll(c) // until the client's FIN
				c.Write(append([]byte("got "), got...))
			}()
			addr, _ := startProxy(t, e, "127.0.0.1:0", ln.Addr().String())
			c := dial(t, addr).(*net.TCPConn)
			c.Write([]byte("question"))
			c.CloseWrite()
			b, err := io.ReadAll(c)
			if err != nil || string(b) != "got question" {
				t.Fatalf("after a half-close the client read %q, %v; want %q and EOF", b, err, "got question")
			}
		})
	}
}

// TestConnectTimeout: a backend that never answers a connect is given up
// after the connect timeout (Config.DialTimeout, a loop timer), with a
// log line, and the client is served by the next backend.
func TestConnectTimeout(t *testing.T) {
	hole := conntest.Blackhole(t)
	be := echoBackend(t)
	for _, e := range engines {
		t.Run(e.String(), func(t *testing.T) {
			if e == conn.EngineProactor && netloop.Chosen(conn.EngineAuto) != conn.EngineProactor {
				t.Skip("io_uring unavailable")
			}
			const timeout = 200 * time.Millisecond
			addr, lg := startProxyTimeout(t, e, "127.0.0.1:0", timeout, hole, be)
			for range 2 { // round-robin: one of them meets the blackhole first
				c := dial(t, addr)
				start := time.Now()
				c.Write([]byte("anyone there?"))
				got := make([]byte, len("anyone there?"))
				if _, err := io.ReadFull(c, got); err != nil || string(got) != "anyone there?" {
					t.Fatalf("relayed %q, %v", got, err)
				}
				if el := time.Since(start); el > timeout+2*time.Second {
					t.Errorf("answered after %v; the connect timeout is %v", el, timeout)
				}
				c.Close()
			}
			lg.mu.Lock()
			defer lg.mu.Unlock()
			found := false
			for _, l := range lg.lines {
				if strings.Contains(l, hole) && strings.Contains(l, "i/o timeout") {
					found = true
				}
			}
			if !found {
				t.Errorf("no log line of the blackhole's timeout in %q", lg.lines)
			}
		})
	}
}
