package engine

import (
	"net"
	"net/netip"
	"sync"
	"testing"
	"unsafe"

	"github.com/netloop/netloop/conn"
)

// TestCoreSize guards what every idle connection carries: the Core is 112
// bytes on 64-bit platforms, which leaves room in the 128-byte size class
// for an engine's socket and poller state.
func TestCoreSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes are checked on 64-bit platforms")
	}
	if n := unsafe.Sizeof(Core{}); n > 112 {
		t.Errorf("Core is %d bytes, want at most 112; move what idle connections do not need to extra", n)
	}
}

func TestAcceptedAddrs(t *testing.T) {
	ln := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}
	for _, tc := range []struct {
		name          string
		ln            net.Addr
		remote, local netip.AddrPort
		wantRemote    string
		wantLocal     string
		shared        bool // LocalAddr is the listener's own value
	}{
		{name: "IPv4, listener's local", ln: ln, remote: netip.MustParseAddrPort("127.0.0.2:5000"),
			wantRemote: "127.0.0.2:5000", wantLocal: "127.0.0.1:80", shared: true},
		{name: "IPv6 on a wildcard listener", ln: &net.TCPAddr{Port: 80},
			remote: netip.MustParseAddrPort("[2001:db8::1]:443"), local: netip.MustParseAddrPort("[2001:db8::2]:80"),
			wantRemote: "[2001:db8::1]:443", wantLocal: "[2001:db8::2]:80"},
		{name: "IPv4-mapped on a dual-stack listener", ln: &net.TCPAddr{Port: 80},
			remote: netip.MustParseAddrPort("[::ffff:10.0.0.1]:7"), local: netip.MustParseAddrPort("[::ffff:10.0.0.2]:80"),
			wantRemote: "10.0.0.1:7", wantLocal: "10.0.0.2:80"},
		{name: "no listener address", remote: netip.MustParseAddrPort("127.0.0.2:5000"), wantRemote: "127.0.0.2:5000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &Loop{}
			l.Init(conn.Config{}, func() error { return nil })
			l.SetListenAddr(tc.ln)
			c := &testConn{}
			c.InitAccepted(c, l, tc.remote, tc.local)
			if c.x.Load() != nil {
				t.Error("InitAccepted allocated the out-of-line state")
			}
			ra, la := c.RemoteAddr(), c.LocalAddr()
			if ra == nil || ra.String() != tc.wantRemote || ra.Network() != "tcp" {
				t.Errorf("RemoteAddr = %v, want %s", ra, tc.wantRemote)
			}
			if _, ok := ra.(*net.TCPAddr); !ok {
				t.Errorf("RemoteAddr is a %T, want *net.TCPAddr", ra)
			}
			switch {
			case tc.wantLocal == "" && la != nil:
				t.Errorf("LocalAddr = %v, want nil", la)
			case tc.wantLocal != "" && (la == nil || la.String() != tc.wantLocal):
				t.Errorf("LocalAddr = %v, want %s", la, tc.wantLocal)
			case tc.shared && la != tc.ln:
				t.Error("LocalAddr is not the listener's shared address")
			}
			if c.RemoteAddr() != ra || c.LocalAddr() != la {
				t.Error("a second call built new addresses")
			}
			if n := testing.AllocsPerRun(100, func() { c.RemoteAddr(); c.LocalAddr() }); n != 0 {
				t.Errorf("%.1f allocations per call once built, want 0", n)
			}
		})
	}
}

// TestAddrsFromManyGoroutines: the addresses may be asked for from any
// goroutine, all at once; every caller sees one and the same value.
func TestAddrsFromManyGoroutines(t *testing.T) {
	l := &Loop{}
	l.Init(conn.Config{}, func() error { return nil })
	c := &testConn{}
	c.InitAccepted(c, l, netip.MustParseAddrPort("127.0.0.2:5000"), netip.MustParseAddrPort("127.0.0.1:80"))
	const n = 8
	got := make([][2]net.Addr, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i] = [2]net.Addr{c.RemoteAddr(), c.LocalAddr()} })
	}
	wg.Wait()
	for i := range got {
		if got[i][0] != c.RemoteAddr() || got[i][1] != c.LocalAddr() {
			t.Fatalf("goroutine %d saw %v, %v; want the cached %v, %v", i, got[i][0], got[i][1], c.RemoteAddr(), c.LocalAddr())
		}
	}
}

// TestIdleConnHoldsNothing: once its output is sent and its input
// consumed, a connection holds no output queue, no input buffer and no
// out-of-line state.
func TestIdleConnHoldsNothing(t *testing.T) {
	l := &Loop{}
	l.Init(conn.Config{}, func() error { return nil })
	c := &testConn{}
	c.InitAccepted(c, l, netip.MustParseAddrPort("127.0.0.2:5000"), netip.AddrPort{})
	echo := &script{data: func(c conn.Conn, in []byte) int { c.Write(in); return len(in) }}
	c.Deliver(echo, []byte("ping"))
	if c.out == nil {
		t.Fatal("no output queued after a Write")
	}
	c.Advance(len(c.Pending()))
	if c.out != nil || c.in.buf != nil || c.x.Load() != nil {
		t.Errorf("idle connection holds out=%v in=%v extra=%v; want none", c.out, c.in.buf, c.x.Load())
	}
	if len(l.outbounds) != 1 {
		t.Errorf("free list has %d output queues, want the one given back", len(l.outbounds))
	}
	c.StartClose(nil)
	c.Finish(echo, nil)
	if c.x.Load() != nil {
		t.Error("closing with a nil cause allocated the out-of-line state")
	}
}
