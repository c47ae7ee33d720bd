package goroutine

import (
	"syscall"
	"time"
)

// StopAccepting ends the accepts for a graceful shutdown
// (engine.AcceptStopper); the loops go on serving their connections. The
// loops share one acceptor: the first call stops it, the others find it
// stopped. On Linux the call itself takes the connections waiting in the
// listener's queue (closing the listener would reset them) and closes the
// listener, so that a dial after it is refused; the acceptor then serves
// the ones taken like the others. Elsewhere it interrupts the accept and
// the acceptor closes the listener. Loop only: it must not wait for the
// acceptor, which may wait for this loop's mutex to open a connection.
func (l *loop) StopAccepting() {
	a := l.a
	if a.draining.Swap(true) {
		return
	}
	a.lnMu.Lock()
	defer a.lnMu.Unlock()
	if a.lnClosed || a.stopNow() {
		return
	}
	if d, ok := a.ln.(interface{ SetDeadline(t time.Time) error }); ok && d.SetDeadline(aLongTimeAgo) == nil {
		return
	}
	a.lnClosed = true // no deadline to interrupt with: close at once
	a.ln.Close()
}

// ListenFD returns the descriptor of the listener the loops share, or -1
// once the accepts have stopped (engine.Listening).
func (l *loop) ListenFD() int {
	a := l.a
	a.lnMu.Lock()
	defer a.lnMu.Unlock()
	if a.lnClosed || a.draining.Load() {
		return -1
	}
	sc, ok := a.ln.(syscall.Conn)
	if !ok {
		return -1
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	rc.Control(func(s uintptr) { fd = int(s) })
	return fd
}
