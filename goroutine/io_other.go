//go:build !unix || netloop_blockingio

package goroutine

import (
	"errors"
	"io"
	"net"
	"os"
)

// This file serves systems without Unix's non-blocking sockets (Windows).
// On Unix the build tag netloop_blockingio selects it instead of
// io_unix.go, so that CI runs the conformance suite over this path too.

// idleHoldsBuffer: a connection blocked in Read holds its buffer.
const idleHoldsBuffer = true

// ioState holds the vector a write gathers the pending blocks into; bufs
// lives here so that handing it to WriteTo allocates nothing. Both are
// the connection goroutine's, filled under the loop's mutex.
type ioState struct {
	vec  [][]byte
	bufs net.Buffers
}

func (c *tcpConn) initIO() { c.io.vec = make([][]byte, 0, maxWritev) }

// readOnce blocks in Read with a buffer borrowed from the pool, so here an
// idle connection holds one: there is no non-blocking read on these
// sockets to try first.
func (c *tcpConn) readOnce() (int, error) {
	c.borrow()
	n, err := c.nc.Read(*c.in)
	switch {
	case n > 0:
		return n, nil
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, net.ErrClosed):
		return 0, errAgain // interrupted, or closed: the turn sees which
	case err == io.EOF:
		c.releaseInput()
		return 0, io.EOF
	}
	return 0, syscallError("read", err)
}

// writeOnce writes nothing: there is no non-blocking write here. The
// connection's goroutine, interrupted, writes in waitWrite.
func (c *tcpConn) writeOnce() (int, error) { return 0, errAgain }

// prepareWrite gathers the pending output for waitWrite, marking it in
// flight (Core.SendingVec), so that its blocks stay the connection's even
// if another goroutine finishes it meanwhile. The loop's mutex is held.
func (c *tcpConn) prepareWrite() { c.io.bufs = c.SendingVec(c.io.vec[:0]) }

// waitWrite writes what prepareWrite gathered with a blocking write of its
// blocks as net.Buffers (WSASend with several buffers), which an interrupt
// cuts short, and returns with the loop's mutex held.
func (c *tcpConn) waitWrite() (int, error) {
	n64, err := c.io.bufs.WriteTo(c.nc)
	c.l.mu.Lock()
	c.io.bufs = nil
	clear(c.io.vec[:cap(c.io.vec)]) // drop the references: sent blocks are the pool's
	n := int(n64)
	if n == 0 && !c.Closed() {
		c.Advance(0) // the output is no longer in flight
	}
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, net.ErrClosed):
		return n, errAgain
	}
	return n, syscallError("write", err)
}

// syscallError turns an error of package net into the cause OnClose gets,
// the system call error itself, as the other engines report it.
func syscallError(op string, err error) error {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return os.NewSyscallError(op, oe.Err)
	}
	return err
}
