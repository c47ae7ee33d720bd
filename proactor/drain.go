package proactor

import (
	"time"

	"golang.org/x/sys/unix"
)

// StopAccepting cancels the multishot accept and closes the listener, for
// a graceful shutdown (engine.AcceptStopper); the loop goes on serving
// its connections. Connections the accept completes before the cancel
// takes effect are opened, and the kit tells them to drain as well.
func (l *loop) StopAccepting() {
	if l.lnfd < 0 {
		return
	}
	if l.acceptArmed {
		l.r.sqe().PrepCancel(userData(opAccept, 0, 0), 0, userData(opCancel, 0, 0))
		l.inflight++
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
