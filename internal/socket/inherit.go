//go:build linux

package socket

import (
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Listening sockets a process may inherit instead of binding its own:
//
//   - from systemd socket activation: LISTEN_PID is this process, LISTEN_FDS
//     counts descriptors from 3 on, LISTEN_FDNAMES (optional) names them,
//     separated by colons (sd_listen_fds(3));
//   - from a parent netloop process handing its listeners over
//     (self-upgrade): EnvListenFDs lists the descriptors.
//
// They are taken once, at the first listen, and the variables are removed
// from the environment so that our own children do not inherit them by
// mistake. Each inherited TCP listener is set non-blocking and
// close-on-exec; other descriptors are left alone.
//
// ListenReusePort then serves an address from the inherited listeners
// bound to it (all of them: an SO_REUSEPORT group has one per loop of the
// process that made it) instead of binding: closing and re-binding an
// SO_REUSEPORT listener would reset the connections in its accept queue,
// and the exclusive-listen check would refuse the address anyway, since
// the listeners hold it.

// Inherited is a listening socket the process inherited.
type Inherited struct {
	FD   int
	Name string       // LISTEN_FDNAMES's name, or "" (handover)
	Addr *net.TCPAddr // where it listens
	used bool
}

var inherited struct {
	once sync.Once
	mu   sync.Mutex
	list []*Inherited
}

// InheritedListeners returns the inherited listening sockets not yet
// taken by a listen. The first call reads the environment.
func InheritedListeners() []Inherited {
	loadInherited()
	inherited.mu.Lock()
	defer inherited.mu.Unlock()
	var out []Inherited
	for _, in := range inherited.list {
		if !in.used {
			out = append(out, *in)
		}
	}
	return out
}

func loadInherited() {
	inherited.once.Do(func() {
		inherited.list = parseInherited(os.Getenv, os.Getpid(), listenFDsStart)
		for _, v := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", EnvListenFDs} {
			os.Unsetenv(v)
		}
	})
}

// parseInherited reads the variables through getenv for process pid, with
// systemd's descriptors from start on (3, but for tests), and
// adopts the listening TCP sockets they name.
func parseInherited(getenv func(string) string, pid, start int) []*Inherited {
	var list []*Inherited
	if p, err := strconv.Atoi(getenv("LISTEN_PID")); err == nil && p == pid {
		n, _ := strconv.Atoi(getenv("LISTEN_FDS"))
		names := strings.Split(getenv("LISTEN_FDNAMES"), ":")
		for i := range n {
			name := ""
			if i < len(names) {
				name = names[i]
			}
			if in := adopt(start+i, name); in != nil {
				list = append(list, in)
			}
		}
	}
	for _, f := range strings.Split(getenv(EnvListenFDs), ",") {
		if fd, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && fd >= 0 {
			if in := adopt(fd, ""); in != nil {
				list = append(list, in)
			}
		}
	}
	return list
}

// adopt returns fd as an Inherited if it is a listening TCP socket, set
// non-blocking and close-on-exec, or nil.
func adopt(fd int, name string) *Inherited {
	if v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || v != 1 {
		return nil
	}
	if v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || v != unix.SOCK_STREAM {
		return nil
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil
	}
	switch sa.(type) {
	case *unix.SockaddrInet4, *unix.SockaddrInet6:
	default:
		return nil
	}
	if unix.SetNonblock(fd, true) != nil {
		return nil
	}
	unix.CloseOnExec(fd)
	return &Inherited{FD: fd, Name: name, Addr: TCPAddr(sa)}
}

// takeInherited takes every unused inherited listener bound to ta, or, when
// ta's port is 0, to ta's address on the port of the first such listener.
// It returns nil when there is none.
func takeInherited(ta *net.TCPAddr) ([]int, *net.TCPAddr) {
	loadInherited()
	inherited.mu.Lock()
	defer inherited.mu.Unlock()
	var fds []int
	var bound *net.TCPAddr
	for _, in := range inherited.list {
		if in.used || !sameHost(in.Addr, ta) {
			continue
		}
		if bound == nil && (ta.Port == 0 || ta.Port == in.Addr.Port) {
			bound = in.Addr
		}
		if bound != nil && in.Addr.Port == bound.Port {
			in.used = true
			fds = append(fds, in.FD)
		}
	}
	return fds, bound
}

// sameHost reports whether a listener on a serves what ta asks for: the
// same IP, or both unspecified (a nil IP is the IPv4 wildcard).
func sameHost(a, ta *net.TCPAddr) bool {
	unspec := func(ip net.IP) bool { return ip == nil || ip.IsUnspecified() }
	if unspec(a.IP) || unspec(ta.IP) {
		return unspec(a.IP) && unspec(ta.IP)
	}
	return a.IP.Equal(ta.IP)
}

// Dup returns a close-on-exec duplicate of the listening descriptor fd as
// a file, for handing it to a child process (exec.Cmd.ExtraFiles clears
// close-on-exec in the child).
func Dup(fd int, name string) (*os.File, error) {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("fcntl F_DUPFD_CLOEXEC", err)
	}
	return os.NewFile(uintptr(nfd), name), nil
}

// TakeInherited returns the inherited listeners bound to addr, as
// ListenReusePort would serve them, taking them so that no later listen
// gets them again, or nil when there is none. An engine that listens
// through package net (one acceptor for all its loops) wraps the first with
// net.FileListener and closes the rest, or accepts on each.
func TakeInherited(addr string) ([]int, *net.TCPAddr, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, nil, &net.OpError{Op: "listen", Net: "tcp", Err: err}
	}
	fds, bound := takeInherited(ta)
	return fds, bound, nil
}
