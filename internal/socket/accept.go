//go:build linux

package socket

import (
	"net"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// An accepted connection's addresses are read into a RawSockaddrAny that
// the loop owns and reuses, and converted to netip values, which hold no
// pointers: unlike unix.Accept4 and unix.Getsockname, which allocate a
// Sockaddr per call, accepting a connection this way allocates nothing.
// The system calls go through RawSyscall, as the engines' reads and
// writes do: on a non-blocking socket they never wait in the kernel.

// Accept accepts a connection on the non-blocking listener lnfd, with
// SOCK_NONBLOCK and SOCK_CLOEXEC, storing the peer's address in peer.
func Accept(lnfd int, peer *unix.RawSockaddrAny) (int, error) {
	n := uint32(unix.SizeofSockaddrAny)
	fd, _, errno := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(lnfd), uintptr(unsafe.Pointer(peer)),
		uintptr(unsafe.Pointer(&n)), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// Getpeername stores the address of fd's peer in sa.
func Getpeername(fd int, sa *unix.RawSockaddrAny) error {
	return sockname(unix.SYS_GETPEERNAME, fd, sa)
}

// Getsockname stores fd's own address in sa.
func Getsockname(fd int, sa *unix.RawSockaddrAny) error {
	return sockname(unix.SYS_GETSOCKNAME, fd, sa)
}

func sockname(trap uintptr, fd int, sa *unix.RawSockaddrAny) error {
	n := uint32(unix.SizeofSockaddrAny)
	_, _, errno := unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(sa)), uintptr(unsafe.Pointer(&n)))
	if errno != 0 {
		return errno
	}
	return nil
}

// AddrPort converts an IPv4 or IPv6 address without a zone. ok is false
// for any other: a Unix socket's, or a link-local IPv6 address with a
// scope, which only a net.Addr (NetAddr) can carry.
func AddrPort(sa *unix.RawSockaddrAny) (ap netip.AddrPort, ok bool) {
	switch sa.Addr.Family {
	case unix.AF_INET:
		r := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(r.Addr), port(r.Port)), true
	case unix.AF_INET6:
		r := (*unix.RawSockaddrInet6)(unsafe.Pointer(sa))
		if r.Scope_id != 0 {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(netip.AddrFrom16(r.Addr), port(r.Port)), true
	}
	return netip.AddrPort{}, false
}

// port reads a port in network byte order, as the kernel stores it.
func port(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

// NetAddr converts any address netloop uses to a net.Addr, allocating:
// the slow path for what AddrPort cannot carry.
func NetAddr(sa *unix.RawSockaddrAny) net.Addr {
	switch sa.Addr.Family {
	case unix.AF_INET:
		r := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return TCPAddr(&unix.SockaddrInet4{Port: int(port(r.Port)), Addr: r.Addr})
	case unix.AF_INET6:
		r := (*unix.RawSockaddrInet6)(unsafe.Pointer(sa))
		return TCPAddr(&unix.SockaddrInet6{Port: int(port(r.Port)), ZoneId: r.Scope_id, Addr: r.Addr})
	case unix.AF_UNIX:
		r := (*unix.RawSockaddrUnix)(unsafe.Pointer(sa))
		n := 0
		for n < len(r.Path) && r.Path[n] != 0 {
			n++
		}
		if n == 0 && r.Path[0] == 0 && n+1 < len(r.Path) && r.Path[1] != 0 {
			// An abstract name: a NUL, then the name.
			for n = 1; n < len(r.Path) && r.Path[n] != 0; n++ {
			}
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(r.Path[i])
			}
			b[0] = '@'
			return &net.UnixAddr{Name: string(b), Net: "unix"}
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Path[i])
		}
		return &net.UnixAddr{Name: string(b), Net: "unix"}
	}
	return &net.TCPAddr{}
}

// AcceptedAddrs returns the addresses of fd, accepted on a listener bound
// to ln with peer its peer's address (from Accept), in the form
// engine.Core.InitAccepted takes: local is the zero AddrPort when the
// connection shares the listener's address (a listener bound to one
// address; only a wildcard one costs a getsockname call, into scratch).
// ok is false when an address needs the slow path (AcceptedNetAddrs).
func AcceptedAddrs(fd int, ln net.Addr, peer, scratch *unix.RawSockaddrAny) (remote, local netip.AddrPort, ok bool) {
	remote, ok = AddrPort(peer)
	if !ok {
		return
	}
	ta, isTCP := ln.(*net.TCPAddr)
	if !isTCP || ta.IP != nil && !ta.IP.IsUnspecified() {
		return remote, netip.AddrPort{}, true
	}
	if err := Getsockname(fd, scratch); err != nil {
		return remote, netip.AddrPort{}, true // as LocalAddr: the listener's
	}
	local, ok = AddrPort(scratch)
	return
}

// AcceptedNetAddrs is AcceptedAddrs's slow path, for Unix sockets and
// scoped IPv6 addresses: it returns net.Addr values, as the goroutine
// engine has them.
func AcceptedNetAddrs(fd int, ln net.Addr, peer, scratch *unix.RawSockaddrAny) (local, remote net.Addr) {
	remote = NetAddr(peer)
	local = ln
	if ta, ok := ln.(*net.TCPAddr); ok && (ta.IP == nil || ta.IP.IsUnspecified()) {
		if err := Getsockname(fd, scratch); err == nil {
			local = NetAddr(scratch)
		}
	}
	return local, remote
}
