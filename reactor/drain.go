//go:build linux

package reactor

import (
	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/socket"
)

// maxPendingAccepts bounds the connections StopAccepting takes from the
// accept queue; the kernel caps the queue at somaxconn (4096 by default).
const maxPendingAccepts = 65536

// StopAccepting ends the accepts for a graceful shutdown
// (engine.AcceptStopper); the loop goes on serving its connections. The
// connections already waiting in the listener's accept queue are taken
// first and drained like the others: closing the last descriptor of a
// listening socket resets them.
func (l *loop) StopAccepting() {
	for range maxPendingAccepts {
		if l.lnfd < 0 {
			break
		}
		fd, err := socket.Accept(l.lnfd, &l.peer)
		if err != nil {
			break // EAGAIN: the queue is empty; anything else: stop trying
		}
		l.opened(fd)
	}
	l.closeListener()
}

// closeListener takes the listener out of the epoll set and closes it. The
// descriptor is removed before it is closed: after a handover another
// process holds the same socket, which keeps it open, and epoll would go
// on reporting it.
func (l *loop) closeListener() {
	if l.lnfd < 0 {
		return
	}
	unix.EpollCtl(l.p.epfd, unix.EPOLL_CTL_DEL, l.lnfd, nil)
	unix.Close(l.lnfd)
	l.lnfd = -1         // never matches an event: its number may be reused
	l.acceptOff = false // nothing to resume
}

// ListenFD returns the loop's listening descriptor, or -1 once it stopped
// accepting (engine.Listening). Loop only, or before Serve.
func (l *loop) ListenFD() int { return l.lnfd }
