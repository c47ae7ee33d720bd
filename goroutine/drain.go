package goroutine

import (
	"syscall"
	"time"
)

// StopAccepting ends the accepts for a graceful shutdown
// (engine.AcceptStopper); the loops go on serving their connections. The
// loops share one acceptor: the first call stops it. On Linux the call
// itself takes the connections waiting in the listener's queue (closing
// the listener would reset them) and closes the listener, so that a dial
// after it is refused; elsewhere it interrupts the accept with a past
// deadline and the acceptor takes the queue and closes the listener. The
// acceptor then opens what it holds like the others. Every loop's call
// waits for that, with the loop's mutex let go so that the acceptor can
// open what it holds on this loop: a connection accepted but not yet
// opened is counted nowhere, and the drain must not end without it.
func (l *loop) StopAccepting() {
	a := l.a
	if !a.draining.Swap(true) {
		a.interruptAccept()
	}
	l.mu.Unlock()
	<-a.done
	l.mu.Lock()
	l.NewTurn()
}

// interruptAccept makes the acceptor's accept return; it closes the
// listener at once if it cannot be interrupted with a deadline.
func (a *acceptor) interruptAccept() {
	a.lnMu.Lock()
	defer a.lnMu.Unlock()
	if a.lnClosed || a.stopNow() {
		return
	}
	if d, ok := a.ln.(interface{ SetDeadline(t time.Time) error }); ok && d.SetDeadline(aLongTimeAgo) == nil {
		return
	}
	a.lnClosed = true
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
