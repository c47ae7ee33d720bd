package reactor

import "golang.org/x/sys/unix"

// StopAccepting takes the listener out of the epoll set and closes it, for
// a graceful shutdown (engine.AcceptStopper); the loop goes on serving
// its connections. The descriptor is removed before it is closed: after
// a handover another process holds the same socket, which keeps it open,
// and epoll would go on reporting it.
func (l *loop) StopAccepting() {
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
