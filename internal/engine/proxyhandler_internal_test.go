package engine

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/netloop/netloop/codec/proxyproto"
	"github.com/netloop/netloop/conn"
)

// proxyTestConn is an engine connection reduced to the core, driven by the
// tests below the way an engine would: OnOpen, Deliver for each read,
// Finish.
type proxyTestConn struct{ Core }

// recorder is a user handler that logs what it is told.
type recorder struct {
	events  []string
	consume func(in []byte) int // nil: all
	onOpen  func(c conn.Conn)
}

func (r *recorder) OnOpen(c conn.Conn) {
	r.events = append(r.events, "open "+c.RemoteAddr().String()+" "+c.LocalAddr().String())
	if r.onOpen != nil {
		r.onOpen(c)
	}
}

func (r *recorder) OnData(c conn.Conn, in []byte) int {
	r.events = append(r.events, "data "+string(in))
	if r.consume != nil {
		return r.consume(in)
	}
	return len(in)
}

func (r *recorder) OnClose(c conn.Conn, err error) {
	r.events = append(r.events, "close "+fmt.Sprint(err))
}

func (r *recorder) OnWake(conn.Conn) { r.events = append(r.events, "wake") }

type proxyRig struct {
	c    *proxyTestConn
	l    *Loop
	h    conn.Handler
	user *recorder
	logs *observer.ObservedLogs
}

func newProxyRig(t testing.TB, remote string, pp conn.ProxyProtocol) *proxyRig {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	pp.Require = true
	cfg := conn.Config{ProxyProtocol: pp, Logger: zap.New(core)}
	r := &proxyRig{c: &proxyTestConn{}, l: &Loop{}, user: &recorder{}, logs: logs}
	r.l.Init(cfg, func() error { return nil })
	r.c.Init(r.c, r.l, net.TCPAddrFromAddrPort(ap("127.0.0.1:8080")), net.TCPAddrFromAddrPort(ap(remote)))
	r.h = WithProxyProtocol(r.user, cfg)
	r.h.OnOpen(r.c)
	return r
}

var ap = netip.MustParseAddrPort

// deliver hands chunks to the handler as separate reads.
func (r *proxyRig) deliver(t *testing.T, chunks ...string) error {
	t.Helper()
	for _, ch := range chunks {
		if err := r.c.Deliver(r.h, []byte(ch)); err != nil {
			return err
		}
	}
	return nil
}

// reason returns the reason field of the last debug log, or "".
func (r *proxyRig) reason() string {
	all := r.logs.All()
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1].ContextMap()["reason"].(string)
}

func (r *proxyRig) want(t *testing.T, events ...string) {
	t.Helper()
	if strings.Join(r.user.events, "|") != strings.Join(events, "|") {
		t.Errorf("user handler saw\n%q\nwant\n%q", r.user.events, events)
	}
}

const (
	v1Header = "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n"
	v2Local  = "\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00"
	// v2 TCP over IPv6, [2001:db8::1]:1234 -> [2001:db8::2]:443, with an
	// authority TLV.
	v2Header = "\r\n\r\n\x00\r\nQUIT\n\x21\x21\x00\x33" +
		"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01" +
		"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02" +
		"\x04\xd2\x01\xbb" + "\x02\x00\x0cexample.test"
)

// v2Unix is a v2 header of a Unix stream socket, paths NUL-padded to 108
// bytes.
var v2Unix = "\r\n\r\n\x00\r\nQUIT\n\x21\x31\x00\xd8" +
	"/run/client.sock" + strings.Repeat("\x00", 92) + "/run/server.sock" + strings.Repeat("\x00", 92)

func TestProxyHandlerSplitHeader(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"v1 in three reads, payload with the end", []string{v1Header[:5], v1Header[5:30], v1Header[30:] + "ping"},
			[]string{"open 192.0.2.1:56324 198.51.100.7:443", "data ping"}},
		{"v1 then payload alone", []string{v1Header, "ping"},
			[]string{"open 192.0.2.1:56324 198.51.100.7:443", "data ping"}},
		{"v2 a byte at a time", append(strings.Split(v2Header, ""), "ping"),
			[]string{"open [2001:db8::1]:1234 [2001:db8::2]:443", "data ping"}},
		{"v2 LOCAL keeps the real addresses", []string{v2Local[:7], v2Local[7:] + "ping"},
			[]string{"open 127.0.0.1:5000 127.0.0.1:8080", "data ping"}},
		{"v1 UNKNOWN keeps the real addresses", []string{"PROXY UNKNOWN\r\nping"},
			[]string{"open 127.0.0.1:5000 127.0.0.1:8080", "data ping"}},
		{"v2 UDP keeps the real addresses", []string{"\r\n\r\n\x00\r\nQUIT\n\x21\x12\x00\x0c" + strings.Repeat("\x01", 12) + "ping"},
			[]string{"open 127.0.0.1:5000 127.0.0.1:8080", "data ping"}},
		{"v2 UNIX", []string{v2Unix + "ping"},
			[]string{"open /run/client.sock /run/server.sock", "data ping"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newProxyRig(t, "127.0.0.1:5000", conn.ProxyProtocol{})
			if r.c.timers() == nil || r.c.timers().deadlineAt == 0 {
				t.Error("no header deadline while the header is awaited")
			}
			if err := r.deliver(t, tc.chunks...); err != nil {
				t.Fatal(err)
			}
			if r.c.timers() != nil && r.c.timers().deadlineAt != 0 {
				t.Error("the header deadline outlived the header")
			}
			r.c.Finish(r.h, nil)
			r.want(t, append(tc.want, "close <nil>")...)
			if h := proxyproto.FromConn(r.c); h == nil {
				t.Error("FromConn = nil after a header")
			}
		})
	}
}

func TestProxyHandlerKeepsHeader(t *testing.T) {
	r := newProxyRig(t, "127.0.0.1:5000", conn.ProxyProtocol{})
	in := []byte(v2Header)
	if err := r.c.Deliver(r.h, in); err != nil {
		t.Fatal(err)
	}
	clear(in) // the loop reuses its read buffer
	h := proxyproto.FromConn(r.c)
	if h == nil || h.Command != proxyproto.Proxy || string(h.Authority()) != "example.test" {
		t.Fatalf("FromConn = %+v", h)
	}
}

func TestProxyHandlerRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		remote  string
		trusted []string
		chunks  []string
		finish  error // the cause the engine then closes with
		reason  string
	}{
		{name: "untrusted source", remote: "10.0.0.1:5000", chunks: []string{v1Header + "GET /"},
			finish: nil, reason: "source not trusted"},
		{name: "untrusted with a custom list", remote: "127.0.0.1:5000", trusted: []string{"192.0.2.0/24"},
			chunks: []string{v1Header}, finish: nil, reason: "source not trusted"},
		{name: "HTTP without a header", remote: "127.0.0.1:5000", chunks: []string{"GET / HTTP/1.1\r\n\r\n"},
			finish: nil, reason: "bad header"},
		{name: "garbage after a partial header", remote: "127.0.0.1:5000", chunks: []string{"PROXY TCP4 ", "1.2.3.4\n"},
			finish: nil, reason: "bad header"},
		{name: "v1 without CRLF in 107 bytes", remote: "127.0.0.1:5000", chunks: []string{"PROXY UNKNOWN ", strings.Repeat("f", 93)},
			finish: nil, reason: "bad header"},
		{name: "v2 length 65535", remote: "127.0.0.1:5000", chunks: []string{"\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff"},
			finish: nil, reason: "bad header"},
		{name: "header never completes", remote: "127.0.0.1:5000", chunks: []string{v1Header[:20]},
			finish: os.ErrDeadlineExceeded, reason: "no header within the timeout"},
		{name: "peer leaves first", remote: "[::1]:5000", chunks: []string{v1Header[:20]},
			finish: io.EOF, reason: "peer closed before the header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pp conn.ProxyProtocol
			for _, p := range tc.trusted {
				pp.Trusted = append(pp.Trusted, netip.MustParsePrefix(p))
			}
			r := newProxyRig(t, tc.remote, pp)
			if err := r.deliver(t, tc.chunks...); err != nil {
				t.Fatal(err)
			}
			if closing := r.c.closeAsked(); closing != (tc.finish == nil) {
				t.Errorf("Close asked = %v", closing)
			}
			r.c.Finish(r.h, tc.finish)
			r.want(t) // the user's handler never heard of it
			if got := r.reason(); got != tc.reason {
				t.Errorf("logged reason %q; want %q", got, tc.reason)
			}
		})
	}
}

func TestProxyHandlerUserSideAfterOpen(t *testing.T) {
	t.Run("close in OnOpen drops what followed", func(t *testing.T) {
		r := newProxyRig(t, "127.0.0.1:5000", conn.ProxyProtocol{})
		r.user.onOpen = func(c conn.Conn) { c.Close() }
		if err := r.deliver(t, v1Header+"ping"); err != nil {
			t.Fatal(err)
		}
		r.c.Finish(r.h, nil)
		r.want(t, "open 192.0.2.1:56324 198.51.100.7:443", "close <nil>")
	})
	t.Run("partial consumption is kept", func(t *testing.T) {
		r := newProxyRig(t, "127.0.0.1:5000", conn.ProxyProtocol{})
		r.user.consume = func(in []byte) int { return strings.LastIndexByte(string(in), '\n') + 1 }
		if err := r.deliver(t, v1Header+"a\nb", "c\n"); err != nil {
			t.Fatal(err)
		}
		r.h.(conn.WakeHandler).OnWake(r.c)
		r.want(t, "open 192.0.2.1:56324 198.51.100.7:443", "data a\nb", "data bc\n", "wake")
	})
	t.Run("bad consume is reported", func(t *testing.T) {
		r := newProxyRig(t, "127.0.0.1:5000", conn.ProxyProtocol{})
		r.user.consume = func(in []byte) int { return len(in) + 1 }
		if err := r.deliver(t, v1Header+"x"); err != conn.ErrBadConsume {
			t.Errorf("Deliver = %v; want ErrBadConsume", err)
		}
	})
	t.Run("off returns the handler itself", func(t *testing.T) {
		u := &recorder{}
		if h := WithProxyProtocol(u, conn.Config{}); h != conn.Handler(u) {
			t.Errorf("WithProxyProtocol wrapped a handler although the protocol is off")
		}
	})
}

// TestProxyHandlerAllocs checks that, once open, a connection's input
// reaches the user's handler at no allocation cost.
func TestProxyHandlerAllocs(t *testing.T) {
	r := newProxyRig(t, "127.0.0.1:5000", conn.ProxyProtocol{})
	if err := r.deliver(t, v1Header); err != nil {
		t.Fatal(err)
	}
	u := conn.HandlerFuncs{}
	r.h.(*proxyHandler).h = u
	in := []byte("GET / HTTP/1.1\r\n\r\n")
	if a := testing.AllocsPerRun(100, func() { r.c.Deliver(r.h, in) }); a != 0 {
		t.Errorf("OnData through the wrapper allocates %v times", a)
	}
}

func TestProxyHandlerDeadline(t *testing.T) {
	r := newProxyRig(t, "127.0.0.1:5000", conn.ProxyProtocol{HeaderTimeout: time.Minute})
	if d := time.Duration(r.c.timers().deadlineAt - monotime()); d < 59*time.Second || d > time.Minute+time.Second {
		t.Errorf("header deadline in %v; want about a minute", d)
	}
}

// BenchmarkProxyHandlerOnData compares input reaching a handler directly
// with input reaching it through the PROXY wrapper once the header is
// done: the wrapper's cost on every read.
func BenchmarkProxyHandlerOnData(b *testing.B) {
	in := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	b.Run("wrapper=off", func(b *testing.B) {
		l := &Loop{}
		l.Init(conn.Config{}, func() error { return nil })
		c := &proxyTestConn{}
		c.Init(c, l, &net.TCPAddr{}, &net.TCPAddr{})
		h := conn.HandlerFuncs{}
		b.ReportAllocs()
		for b.Loop() {
			c.Deliver(h, in)
		}
	})
	b.Run("wrapper=on", func(b *testing.B) {
		r := newProxyRig(b, "127.0.0.1:5000", conn.ProxyProtocol{})
		r.c.Deliver(r.h, []byte(v1Header))
		r.h.(*proxyHandler).h = conn.HandlerFuncs{}
		b.ReportAllocs()
		for b.Loop() {
			r.c.Deliver(r.h, in)
		}
	})
}
