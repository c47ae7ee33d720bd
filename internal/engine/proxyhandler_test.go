package engine_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netloop/netloop/codec/proxyproto"
	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/proactor"
	"github.com/netloop/netloop/reactor"
)

// whoami greets each connection with the addresses it sees and the
// authority TLV, if any, then echoes. It counts opens and closes.
type whoami struct{ opened, closed atomic.Int32 }

func (w *whoami) OnOpen(c conn.Conn) {
	w.opened.Add(1)
	authority := "-"
	if h := proxyproto.FromConn(c); h != nil && len(h.Authority()) > 0 {
		authority = string(h.Authority())
	}
	c.Write([]byte(c.RemoteAddr().String() + " " + c.LocalAddr().String() + " " + authority + "\n"))
}

func (w *whoami) OnData(c conn.Conn, in []byte) int { c.Write(in); return len(in) }
func (w *whoami) OnClose(conn.Conn, error)          { w.closed.Add(1) }

var engines = []struct {
	name   string
	listen func(addr string, cfg conn.Config) (conn.Server, error)
}{
	{"reactor", func(a string, c conn.Config) (conn.Server, error) { return reactor.Listen(a, c) }},
	{"proactor", func(a string, c conn.Config) (conn.Server, error) { return proactor.Listen(a, c) }},
}

// serveProxied runs h on engine e with the PROXY protocol required and
// returns the address; the server stops when the test ends.
func serveProxied(t *testing.T, listen func(string, conn.Config) (conn.Server, error), pp conn.ProxyProtocol, h conn.Handler) string {
	t.Helper()
	pp.Require = true
	srv, err := listen("127.0.0.1:0", conn.Config{Loops: 1, ProxyProtocol: pp})
	if errors.Is(err, conn.ErrUnsupported) {
		t.Skipf("engine unavailable: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv.Addr().String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// writes sends each piece with its own write.
func writes(t *testing.T, c net.Conn, pieces ...string) {
	t.Helper()
	for _, p := range pieces {
		if _, err := c.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
}

// expectClosed reads until the server closes c and fails if it sent
// anything first.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server did not close the connection")
	}
	if len(b) > 0 {
		t.Errorf("the server sent %q before closing", b)
	}
}

const (
	v1 = "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n"
	v2 = "\r\n\r\n\x00\r\nQUIT\n\x21\x21\x00\x33" +
		"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01" +
		"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02" +
		"\x04\xd2\x01\xbb" + "\x02\x00\x0cexample.test"
)

func TestProxyProtocolOverEngines(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			h := &whoami{}
			addr := serveProxied(t, e.listen, conn.ProxyProtocol{HeaderTimeout: 300 * time.Millisecond}, h)

			// A good connection stays open through the bad ones below.
			good := dial(t, addr)
			writes(t, good, v1[:9], v1[9:30], v1[30:]+"ping\n")
			r := bufio.NewReader(good)
			expectLines(t, r, "192.0.2.1:56324 198.51.100.7:443 -", "ping")

			t.Run("v2 split with TLV", func(t *testing.T) {
				c := dial(t, addr)
				writes(t, c, v2[:3], v2[3:17], v2[17:]+"pong\n")
				expectLines(t, bufio.NewReader(c), "[2001:db8::1]:1234 [2001:db8::2]:443 example.test", "pong")
			})
			t.Run("LOCAL keeps the real addresses", func(t *testing.T) {
				c := dial(t, addr)
				writes(t, c, "\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00")
				want := c.LocalAddr().String() + " " + c.RemoteAddr().String() + " -"
				expectLines(t, bufio.NewReader(c), want)
			})
			opened := h.opened.Load()
			t.Run("never completing header closes at the timeout", func(t *testing.T) {
				c := dial(t, addr)
				start := time.Now()
				writes(t, c, v1[:20])
				// The loop serves others while this header is awaited.
				writes(t, good, "meanwhile\n")
				expectLines(t, r, "meanwhile")
				expectClosed(t, c)
				if d := time.Since(start); d < 250*time.Millisecond {
					t.Errorf("closed after %v, before the 300ms header timeout", d)
				}
			})
			t.Run("HTTP without a header", func(t *testing.T) {
				c := dial(t, addr)
				writes(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
				expectClosed(t, c)
			})
			t.Run("v2 length 65535", func(t *testing.T) {
				c := dial(t, addr)
				writes(t, c, "\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff")
				expectClosed(t, c)
			})
			t.Run("v1 without CRLF in 107 bytes", func(t *testing.T) {
				c := dial(t, addr)
				writes(t, c, "PROXY UNKNOWN "+strings.Repeat("f", 93))
				expectClosed(t, c)
			})
			if n := h.opened.Load(); n != opened {
				t.Errorf("the handler opened %d refused connections", n-opened)
			}
			// Only the refused connections were closed: the first still echoes.
			writes(t, good, "still here\n")
			expectLines(t, r, "still here")
		})
	}
}

func TestProxyProtocolUntrusted(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			h := &whoami{}
			addr := serveProxied(t, e.listen, conn.ProxyProtocol{Trusted: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}, h)
			c := dial(t, addr)
			writes(t, c, v1+"ping\n")
			expectClosed(t, c)
			if n := h.opened.Load(); n != 0 {
				t.Errorf("the handler opened %d connections from an untrusted source", n)
			}
		})
	}
}

func expectLines(t *testing.T, r *bufio.Reader, lines ...string) {
	t.Helper()
	for _, want := range lines {
		got, err := r.ReadString('\n')
		if err != nil || got != want+"\n" {
			t.Fatalf("read %q, %v; want %q", got, err, want)
		}
	}
}
