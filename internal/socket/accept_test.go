//go:build linux

package socket

import (
	"net"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestAcceptAllocatesNothing accepts a real connection with Accept and
// reads its addresses with AcceptedAddrs: they match what the client
// sees, and neither call allocates.
func TestAcceptAllocatesNothing(t *testing.T) {
	fds, bound, err := ListenReusePort("127.0.0.1:0", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	var peer, scratch unix.RawSockaddrAny
	const n = 20
	clients := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for range n {
		c, err := net.DialTimeout("tcp", bound.String(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	i := 0
	accept := func() {
		// Wait for the listener to be readable: the handshake is the
		// kernel's business and may still be under way.
		pfd := [1]unix.PollFd{{Fd: int32(fds[0]), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd[:], 5000); err != nil {
			t.Fatal(err)
		}
		fd, err := Accept(fds[0], &peer)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		remote, local, ok := AcceptedAddrs(fd, bound, &peer, &scratch)
		if !ok || local.IsValid() {
			t.Errorf("AcceptedAddrs = %v, %v, %v; want the peer, no local (the listener's), ok", remote, local, ok)
		}
		i++
	}
	accept()
	want := clients[0].LocalAddr().(*net.TCPAddr).AddrPort()
	if got, _ := AddrPort(&peer); got != netip.AddrPortFrom(want.Addr().Unmap(), want.Port()) {
		t.Errorf("peer address %v, want the client's %v", got, want)
	}
	if a := testing.AllocsPerRun(n-2, accept); a != 0 {
		t.Errorf("%.1f allocations per accept, want 0", a)
	}
}

func TestAddrPortAndNetAddr(t *testing.T) {
	inet4 := func(ip [4]byte, port uint16) *unix.RawSockaddrAny {
		var sa unix.RawSockaddrAny
		r := (*unix.RawSockaddrInet4)(unsafe.Pointer(&sa))
		r.Family, r.Addr = unix.AF_INET, ip
		(*[2]byte)(unsafe.Pointer(&r.Port))[0], (*[2]byte)(unsafe.Pointer(&r.Port))[1] = byte(port>>8), byte(port)
		return &sa
	}
	inet6 := func(ip string, port uint16, scope uint32) *unix.RawSockaddrAny {
		var sa unix.RawSockaddrAny
		r := (*unix.RawSockaddrInet6)(unsafe.Pointer(&sa))
		r.Family, r.Addr, r.Scope_id = unix.AF_INET6, netip.MustParseAddr(ip).As16(), scope
		(*[2]byte)(unsafe.Pointer(&r.Port))[0], (*[2]byte)(unsafe.Pointer(&r.Port))[1] = byte(port>>8), byte(port)
		return &sa
	}
	unixAddr := func(name string) *unix.RawSockaddrAny {
		var sa unix.RawSockaddrAny
		r := (*unix.RawSockaddrUnix)(unsafe.Pointer(&sa))
		r.Family = unix.AF_UNIX
		for i := range len(name) {
			r.Path[i] = int8(name[i])
		}
		if len(name) > 0 && name[0] == '@' {
			r.Path[0] = 0
		}
		return &sa
	}
	for _, tc := range []struct {
		name   string
		sa     *unix.RawSockaddrAny
		ok     bool
		want   string // AddrPort, when ok
		netStr string // NetAddr
	}{
		{name: "IPv4", sa: inet4([4]byte{127, 0, 0, 2}, 8080), ok: true, want: "127.0.0.2:8080", netStr: "127.0.0.2:8080"},
		{name: "IPv6", sa: inet6("2001:db8::1", 443, 0), ok: true, want: "[2001:db8::1]:443", netStr: "[2001:db8::1]:443"},
		{name: "IPv6 with a scope", sa: inet6("fe80::1", 22, 1), netStr: "[fe80::1%lo]:22"},
		{name: "Unix, unnamed", sa: unixAddr(""), netStr: ""},
		{name: "Unix, named", sa: unixAddr("/run/x.sock"), netStr: "/run/x.sock"},
		{name: "Unix, abstract", sa: unixAddr("@x"), netStr: "@x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ap, ok := AddrPort(tc.sa)
			if ok != tc.ok || ok && ap.String() != tc.want {
				t.Errorf("AddrPort = %v, %v; want %s, %v", ap, ok, tc.want, tc.ok)
			}
			got := NetAddr(tc.sa).String()
			if tc.name == "IPv6 with a scope" {
				if ifi, err := net.InterfaceByIndex(1); err != nil || ifi.Name != "lo" {
					return // the zone's name depends on the machine
				}
			}
			if got != tc.netStr {
				t.Errorf("NetAddr = %q, want %q", got, tc.netStr)
			}
		})
	}
}
