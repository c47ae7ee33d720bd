//go:build linux

package proactor

import (
	"time"

	"golang.org/x/sys/unix"
)

// maxPendingAccepts bounds the connections StopAccepting takes from the
// accept queue; the kernel caps the queue at somaxconn (4096 by default).
const maxPendingAccepts = 65536

// StopAccepting cancels the multishot accept and closes the listener, for
// a graceful shutdown (engine.AcceptStopper); the loop goes on serving
// its connections. The connections already waiting in the accept queue
// are taken first, with accept4 on the non-blocking listener, since the
// last close of a listening socket resets them; those the multishot
// accept completes before its cancel takes effect are opened too. The kit
// tells them all to drain, like the others.
func (l *loop) StopAccepting() {
	if l.lnfd < 0 {
		return
	}
	for range maxPendingAccepts {
		fd, _, err := unix.Accept4(l.lnfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			break // EAGAIN: the queue is empty; anything else: stop trying
		}
		l.opened(fd)
	}
	if l.acceptArmed {
		l.r.sqe().PrepCancel(userData(opAccept, 0, 0), 0, userData(opCancel, 0, 0))
		l.inflight++
		// Until the accept's last completion, connections it took before
		// the cancel may still come: the drain waits for them.
		l.HoldDrain()
		l.acceptHeld = true
	}
	// The ring holds its own reference to the socket until the accept
	// ends, so closing the descriptor now is safe.
	unix.Close(l.lnfd)
	l.lnfd = -1 // arm never accepts again
	l.acceptResume = time.Time{}
}

// ListenFD returns the loop's listening descriptor, or -1 once it stopped
// accepting (engine.Listening). Loop only, or before Serve.
func (l *loop) ListenFD() int { return l.lnfd }
