//go:build linux

package proactor

import (
	"golang.org/x/sys/unix"
)

// A connection ends in three steps, because closing a descriptor does not
// cancel the io_uring operations on it and the kernel may still use the
// memory they name: cancel what is in flight, wait for every completion,
// and only then close the socket, free the slot and call OnClose.

// cancelRecv asks the kernel to end c's multishot receive, to pause reading
// at the high-water mark or to close. The receive's final completion is
// still due and may yet carry data.
func (l *loop) cancelRecv(c *tcpConn) {
	l.r.sqe().PrepCancel(userData(opRecv, c.slot, c.gen), 0, userData(opCancel, c.slot, c.gen))
	c.recv = recvCancelling
	l.inflight++
}

// cancelAll cancels every operation c has in flight: its receive and its
// send, each by its user_data. A cancellation by descriptor would be
// simpler, but the kernel finds those by walking every request of the
// ring, which made closing thousands of connections at once quadratic;
// one by user_data is a hash lookup.
func (l *loop) cancelAll(c *tcpConn) {
	if c.recv == recvArmed {
		l.cancelRecv(c)
	}
	if c.connecting {
		l.r.sqe().PrepCancel(userData(opConnect, c.slot, c.gen), 0, userData(opCancel, c.slot, c.gen))
		l.inflight++
	}
	if c.inSend() {
		l.r.sqe().PrepCancel(userData(opSend, c.slot, c.gen), 0, userData(opCancel, c.slot, c.gen))
		l.inflight++
	}
	c.cancelled = true
}

// teardown moves a closing connection towards its end: a graceful close
// waits for its send, then cancels the receive; an abort cancels both at
// once. When nothing is left in flight, the connection finishes.
func (l *loop) teardown(c *tcpConn) {
	switch {
	case c.aborting && c.busy() && !c.cancelled:
		l.cancelAll(c)
	case c.inSend():
		return // flushing; its completion brings us back
	case c.recv == recvArmed:
		l.cancelRecv(c)
	}
	if !c.busy() {
		l.finish(c)
	}
}

// abort closes c without flushing: every operation is cancelled and the
// connection finishes with cause when the last one completes.
func (l *loop) abort(c *tcpConn, cause error) {
	if c.Closed() || c.aborting {
		return
	}
	c.aborting = true
	c.Abort(cause) // this cause wins over a gentler earlier one
	l.markDirty(c)
}

// finish closes c's socket, frees its slot and calls OnClose. Nothing of c
// may be in flight.
func (l *loop) finish(c *tcpConn) {
	_, cause := c.Closing()
	unix.Close(c.fd)
	l.conns.Set(int(c.slot), nil)
	l.gens.Set(int(c.slot), l.gens.Get(int(c.slot))+1)
	l.free = append(l.free, c.slot)
	l.open--
	l.cur = c
	c.Finish(l.h, cause)
	l.cur = nil
}
