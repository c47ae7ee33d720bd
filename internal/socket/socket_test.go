//go:build linux

package socket

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestListenReusePortSharesOnePort(t *testing.T) {
	fds, addr, err := ListenReusePort("127.0.0.1:0", 3, false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	if len(fds) != 3 || addr.Port == 0 || !addr.IP.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("got %d listeners on %v", len(fds), addr)
	}
	for _, fd := range fds {
		sa, err := unix.Getsockname(fd)
		if err != nil {
			t.Fatal(err)
		}
		if got := TCPAddr(sa); got.Port != addr.Port {
			t.Errorf("listener on port %d, want %d", got.Port, addr.Port)
		}
	}
	c, err := net.DialTimeout("tcp", addr.String(), time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.Close()
}

func TestListenErrors(t *testing.T) {
	for _, addr := range []string{"no-port", "127.0.0.1:99999", "256.0.0.1:80"} {
		if fds, _, err := ListenReusePort(addr, 1, false); err == nil {
			unix.Close(fds[0])
			t.Errorf("ListenReusePort(%q) succeeded, want an error", addr)
		}
	}
}

func TestListenIPv6(t *testing.T) {
	fds, addr, err := ListenReusePort("[::1]:0", 1, false)
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer unix.Close(fds[0])
	if addr.IP.To4() != nil || addr.Port == 0 {
		t.Errorf("bound %v, want an IPv6 address", addr)
	}
}

// TestLocalAddrOfSpecificListener: a connection accepted on a listener
// bound to one address shares the listener's address, without a
// getsockname call (fd -1 would fail one).
func TestLocalAddrOfSpecificListener(t *testing.T) {
	specific := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}
	var peer, scratch unix.RawSockaddrAny
	peer.Addr.Family = unix.AF_INET
	if _, local, ok := AcceptedAddrs(-1, specific, &peer, &scratch); !ok || local.IsValid() {
		t.Errorf("AcceptedAddrs local = %v, %v; want none (the listener's), ok", local, ok)
	}
	if local, _ := AcceptedNetAddrs(-1, specific, &peer, &scratch); local != specific {
		t.Errorf("AcceptedNetAddrs local = %v, want the listener's address", local)
	}
}

func TestSetOptions(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := SetOptions(fd, false, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		level, opt, want int
	}{
		{unix.IPPROTO_TCP, unix.TCP_NODELAY, 1},
		{unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1},
		{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, 30},
	} {
		if got, _ := unix.GetsockoptInt(fd, o.level, o.opt); got != o.want {
			t.Errorf("option %d/%d = %d, want %d", o.level, o.opt, got, o.want)
		}
	}
}

// TestListenSharedOnPurpose: with shared set, a second group joins the
// first's port, as multi-process servers want; without it, it is refused.
func TestListenSharedOnPurpose(t *testing.T) {
	fds, addr, err := ListenReusePort("127.0.0.1:0", 1, true)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	if more, _, err := ListenReusePort(addr.String(), 1, false); err == nil {
		unix.Close(more[0])
		t.Errorf("an exclusive listener joined %v", addr)
	}
	more, _, err := ListenReusePort(addr.String(), 2, true)
	if err != nil {
		t.Fatalf("a shared listener could not join %v: %v", addr, err)
	}
	for _, fd := range more {
		unix.Close(fd)
	}
}
