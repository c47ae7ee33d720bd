//go:build linux

package goroutine

import (
	"net"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/socket"
)

// maxQueued bounds the connections a stop of the accepts takes from the
// listener's queue; the kernel caps it at somaxconn (4096 by default).
const maxQueued = 65536

// listen opens the server's listener: a Unix socket for "unix:PATH" or
// "unix:@NAME" (the stale-file rule of socket.ListenUnix), else a TCP
// listener inherited from the process that handed its sockets over
// (socket.TakeInherited), else a new one. inherited says the listener
// was not made with cfg's keep-alive, which accepts then set.
func listen(addr string, cfg conn.Config) (ln net.Listener, inherited bool, err error) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		fds, _, err := socket.ListenUnix(path, 1)
		if err != nil {
			return nil, false, err
		}
		ln, err := fileListener(fds[0])
		return ln, false, err
	}
	fds, _, err := socket.TakeInherited(addr)
	if err != nil {
		return nil, false, err
	}
	if len(fds) > 0 {
		for _, fd := range fds[1:] { // one acceptor serves all the loops
			unix.Close(fd)
		}
		ln, err := fileListener(fds[0])
		return ln, true, err
	}
	ln, err = listenTCP(addr, cfg)
	return ln, false, err
}

// fileListener wraps a listening descriptor, which it takes over, in a
// net.Listener.
func fileListener(fd int) (net.Listener, error) {
	f := os.NewFile(uintptr(fd), "netloop-listener")
	defer f.Close() // FileListener holds a duplicate
	return net.FileListener(f)
}

// removeUnix removes a Unix listener's socket file once Serve is done.
func removeUnix(a net.Addr) { socket.RemoveUnix(a) }

// stopNow takes the connections waiting in the listener's queue, without
// blocking, and closes the listener, all before it returns: a client that
// dials once the drain has begun is refused, and the queued ones are not
// reset by the close but opened later by the acceptor (takeQueued). It
// reports false where it cannot, leaving the stop to the acceptor. The
// caller holds lnMu.
func (a *acceptor) stopNow() bool {
	sc, ok := a.ln.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	rc.Control(func(lfd uintptr) {
		for range maxQueued {
			fd, _, err := unix.Accept4(int(lfd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			if err != nil {
				break // EAGAIN: the queue is empty; anything else: stop trying
			}
			a.queued = append(a.queued, fd)
		}
	})
	a.lnClosed = true
	a.ln.Close() // interrupts the acceptor's Accept
	return true
}

// takeQueued opens the connections stopNow took from the listener's
// queue like accepted ones. The acceptor's goroutine.
func (a *acceptor) takeQueued() {
	a.lnMu.Lock()
	fds := a.queued
	a.queued = nil
	a.lnMu.Unlock()
	for _, fd := range fds {
		f := os.NewFile(uintptr(fd), "netloop-conn")
		nc, err := net.FileConn(f)
		f.Close()
		if err == nil {
			a.opened(nc)
		}
	}
}

// dropQueued closes the connections stopNow took that were never opened,
// when the server stops before the acceptor got to them.
func (a *acceptor) dropQueued() {
	a.lnMu.Lock()
	defer a.lnMu.Unlock()
	for _, fd := range a.queued {
		unix.Close(fd)
	}
	a.queued = nil
}
