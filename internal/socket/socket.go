//go:build linux

package socket

import (
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// backlog is the accept queue length asked of listen(2); the kernel caps it
// at net.core.somaxconn.
const backlog = 4096

// ListenReusePort opens n non-blocking TCP listeners on addr with
// SO_REUSEPORT, so the kernel spreads new connections across them, one per
// loop. If addr asks for port 0, the first listener's port is used by the
// rest. It returns the descriptors and the address they share.
//
// Unless shared is set, the address must be free: if any other socket
// holds it (another process, another server of this one), ListenReusePort
// fails with EADDRINUSE, as net.Listen does, rather than join that socket's
// SO_REUSEPORT group and take half of its connections. When the process
// inherited listeners bound to addr (see inherit.go), it returns those
// instead, however many there are. Errors are
// *net.OpError values naming the operation, network and address.
func ListenReusePort(addr string, n int, shared bool) (fds []int, bound *net.TCPAddr, err error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, nil, &net.OpError{Op: "listen", Net: "tcp", Err: err}
	}
	defer func() {
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			fds = nil
			err = &net.OpError{Op: "listen", Net: "tcp", Addr: ta, Err: err}
		}
	}()
	if fds, bound := takeInherited(ta); len(fds) > 0 {
		// Serve the sockets handed to us (systemd, a parent's upgrade),
		// all of them, whatever n is: never re-bind.
		return fds, bound, nil
	}
	if !shared && ta.Port != 0 {
		if err := checkFree(ta); err != nil {
			return nil, nil, err
		}
	}
	for range n {
		fd, err := listenOne(ta)
		if err != nil {
			return fds, nil, err
		}
		fds = append(fds, fd)
		if ta.Port == 0 {
			sa, err := unix.Getsockname(fd)
			if err != nil {
				return fds, nil, os.NewSyscallError("getsockname", err)
			}
			ta = TCPAddr(sa)
		}
	}
	return fds, ta, nil
}

// checkFree binds, and at once closes, a socket without SO_REUSEPORT: the
// kernel refuses that bind while any socket listens on the address, with or
// without SO_REUSEPORT. Once our own listeners hold the address, a second
// netloop server making the same check is refused in turn. The window
// between the check and our binds is a few system calls wide; only a
// process that binds with SO_REUSEPORT in exactly that window can slip in.
func checkFree(ta *net.TCPAddr) error {
	family, sa, err := sockaddr(ta)
	if err != nil {
		return err
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	// SO_REUSEADDR, as our listeners and net.Listen set it, so that
	// connections of an earlier run in TIME_WAIT do not count as a holder.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return os.NewSyscallError("setsockopt SO_REUSEADDR", err)
	}
	return os.NewSyscallError("bind", unix.Bind(fd, sa))
}

func listenOne(ta *net.TCPAddr) (int, error) {
	family, sa, err := sockaddr(ta)
	if err != nil {
		return -1, err
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := listenOn(fd, sa); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func listenOn(fd int, sa unix.Sockaddr) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return os.NewSyscallError("setsockopt SO_REUSEADDR", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		return os.NewSyscallError("setsockopt SO_REUSEPORT", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		return os.NewSyscallError("listen", err)
	}
	return nil
}

// sockaddr picks the address family for ta: IPv4 for IPv4 and unspecified
// addresses, IPv6 otherwise.
func sockaddr(ta *net.TCPAddr) (int, unix.Sockaddr, error) {
	if ta.IP == nil || ta.IP.To4() != nil {
		sa := &unix.SockaddrInet4{Port: ta.Port}
		if ta.IP != nil {
			copy(sa.Addr[:], ta.IP.To4())
		}
		return unix.AF_INET, sa, nil
	}
	if ta.IP.To16() == nil {
		return 0, nil, fmt.Errorf("netloop: bad IP address %v", ta.IP)
	}
	sa := &unix.SockaddrInet6{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To16())
	if ta.Zone != "" {
		ifi, err := net.InterfaceByName(ta.Zone)
		if err != nil {
			return 0, nil, err
		}
		sa.ZoneId = uint32(ifi.Index)
	}
	return unix.AF_INET6, sa, nil
}

// TCPAddr converts a socket address from accept or getsockname.
func TCPAddr(sa unix.Sockaddr) *net.TCPAddr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IPv4(sa.Addr[0], sa.Addr[1], sa.Addr[2], sa.Addr[3]), Port: sa.Port}
	case *unix.SockaddrInet6:
		ip := make(net.IP, net.IPv6len)
		copy(ip, sa.Addr[:])
		a := &net.TCPAddr{IP: ip, Port: sa.Port}
		if sa.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				a.Zone = ifi.Name
			}
		}
		return a
	}
	return &net.TCPAddr{}
}

// ListenEach opens n SO_REUSEPORT listeners on addr, as ListenReusePort
// does (shared as there), or for "unix:PATH" one Unix listener that every
// loop watches through its own duplicate descriptor (see ListenUnix), and
// makes one loop for each with newLoop, which owns the listener
// once it succeeds (on failure it must leave fd open). If a loop cannot be
// made, the loops made so far are released (listener included) and the
// other listeners closed.
func ListenEach[L any](addr string, n int, shared bool, newLoop func(i, fd int, bound net.Addr) (L, error), release func(L)) ([]L, net.Addr, error) {
	var (
		fds   []int
		bound net.Addr
		err   error
	)
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		fds, bound, err = ListenUnix(path, n)
	} else {
		fds, bound, err = ListenReusePort(addr, n, shared)
	}
	if err != nil {
		return nil, nil, err
	}
	loops := make([]L, 0, len(fds))
	for i, fd := range fds {
		l, err := newLoop(i, fd, bound)
		if err != nil {
			for _, l := range loops {
				release(l)
			}
			for _, fd := range fds[len(loops):] {
				unix.Close(fd)
			}
			return nil, nil, err
		}
		loops = append(loops, l)
	}
	return loops, bound, nil
}
