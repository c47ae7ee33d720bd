//go:build linux

package socket

import (
	"fmt"
	"net"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sockaddr converts a resolved address (*net.TCPAddr or *net.UnixAddr) to
// what connect(2) takes, with the family of the socket to open. A Unix
// name beginning with '@' is a Linux abstract name.
func Sockaddr(a net.Addr) (family int, sa unix.Sockaddr, err error) {
	switch a := a.(type) {
	case *net.TCPAddr:
		return sockaddr(a)
	case *net.UnixAddr:
		if len(a.Name) == 0 || len(a.Name) >= len(unix.RawSockaddrUnix{}.Path) {
			return 0, nil, fmt.Errorf("netloop: bad Unix socket name %q", a.Name)
		}
		return unix.AF_UNIX, &unix.SockaddrUnix{Name: a.Name}, nil
	}
	return 0, nil, fmt.Errorf("netloop: cannot dial a %T", a)
}

// RawSockaddr is Sockaddr in the kernel's layout, for an io_uring connect,
// which takes the address by pointer: the caller keeps raw reachable until
// the connect's completion.
func RawSockaddr(a net.Addr) (family int, raw *unix.RawSockaddrAny, size uint32, err error) {
	family, sa, err := Sockaddr(a)
	if err != nil {
		return 0, nil, 0, err
	}
	raw = new(unix.RawSockaddrAny)
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		r := (*unix.RawSockaddrInet4)(unsafe.Pointer(raw))
		r.Family = unix.AF_INET
		p := (*[2]byte)(unsafe.Pointer(&r.Port))
		p[0], p[1] = byte(sa.Port>>8), byte(sa.Port)
		r.Addr = sa.Addr
		size = unix.SizeofSockaddrInet4
	case *unix.SockaddrInet6:
		r := (*unix.RawSockaddrInet6)(unsafe.Pointer(raw))
		r.Family = unix.AF_INET6
		p := (*[2]byte)(unsafe.Pointer(&r.Port))
		p[0], p[1] = byte(sa.Port>>8), byte(sa.Port)
		r.Addr = sa.Addr
		r.Scope_id = sa.ZoneId
		size = unix.SizeofSockaddrInet6
	case *unix.SockaddrUnix:
		r := (*unix.RawSockaddrUnix)(unsafe.Pointer(raw))
		r.Family = unix.AF_UNIX
		for i := 0; i < len(sa.Name); i++ {
			r.Path[i] = int8(sa.Name[i])
		}
		size = uint32(unsafe.Offsetof(r.Path)) + uint32(len(sa.Name))
		if sa.Name[0] == '@' {
			r.Path[0] = 0 // abstract: no terminating NUL counts
		} else {
			size++ // the terminating NUL
		}
	}
	return family, raw, size, nil
}

// Stream opens a non-blocking stream socket of family for a dial. TCP
// sockets get the options accepted connections get.
func Stream(family int, nagle bool, keepAlive time.Duration) (int, error) {
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if family != unix.AF_UNIX {
		if err := SetOptions(fd, nagle, keepAlive); err != nil {
			unix.Close(fd)
			return -1, err
		}
	}
	return fd, nil
}

// ConnectError returns the outcome of a non-blocking connect once the
// socket is writable: SO_ERROR, as an errno (nil: connected).
func ConnectError(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return os.NewSyscallError("getsockopt SO_ERROR", err)
	}
	if v != 0 {
		return os.NewSyscallError("connect", unix.Errno(v))
	}
	return nil
}

// Addr converts a socket address from accept, getsockname or getpeername,
// of any family netloop uses.
func Addr(sa unix.Sockaddr) net.Addr {
	if su, ok := sa.(*unix.SockaddrUnix); ok {
		return &net.UnixAddr{Name: su.Name, Net: "unix"}
	}
	return TCPAddr(sa)
}

// Local returns the local address of a connected socket.
func Local(fd int) net.Addr {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil
	}
	return Addr(sa)
}
