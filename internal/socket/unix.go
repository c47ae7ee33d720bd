//go:build linux

package socket

import (
	"errors"
	"net"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// ListenUnix opens a non-blocking Unix stream listener on path (a Linux
// abstract name when it begins with '@') and returns n descriptors for
// it: the listener and n-1 duplicates, one per loop. Unix sockets have
// no SO_REUSEPORT balancing, so the loops share one accept queue; each
// takes what it can and an empty queue answers EAGAIN.
//
// The listen is exclusive, as for TCP: a path some process is serving
// fails with EADDRINUSE. A socket file left by a crashed run (connecting
// to it is refused) is removed first; a path that is not a socket is
// never removed.
func ListenUnix(path string, n int) (fds []int, bound *net.UnixAddr, err error) {
	ua := &net.UnixAddr{Name: path, Net: "unix"}
	bound = ua
	defer func() {
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			fds = nil
			err = &net.OpError{Op: "listen", Net: "unix", Addr: ua, Err: err}
		}
	}()
	if err := removeStale(path); err != nil {
		return nil, nil, err
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, os.NewSyscallError("socket", err)
	}
	fds = append(fds, fd)
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return fds, nil, os.NewSyscallError("bind", err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		RemoveUnix(bound)
		return fds, nil, os.NewSyscallError("listen", err)
	}
	for len(fds) < n {
		d, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			RemoveUnix(bound)
			return fds, nil, os.NewSyscallError("fcntl F_DUPFD_CLOEXEC", err)
		}
		fds = append(fds, d)
	}
	return fds, bound, nil
}

// removeStale removes a socket file at path that nothing serves: a
// connect to it is refused. A live one gives EADDRINUSE.
func removeStale(path string) error {
	if strings.HasPrefix(path, "@") {
		return nil // abstract names vanish with their socket
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return unix.EADDRINUSE // not ours to remove
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	switch err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err {
	case unix.ECONNREFUSED:
		return os.Remove(path) // stale: from a run that did not shut down
	case nil, unix.EAGAIN:
		return unix.EADDRINUSE // served (EAGAIN: served, queue full)
	default:
		return os.NewSyscallError("connect", err)
	}
}

// RemoveUnix removes the socket file of a Unix listener once the server
// has stopped; other addresses, and abstract names, need nothing.
func RemoveUnix(a net.Addr) {
	if ua, ok := a.(*net.UnixAddr); ok && !strings.HasPrefix(ua.Name, "@") {
		os.Remove(ua.Name)
	}
}
