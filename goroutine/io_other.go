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
// lives here so that handing it to WriteTo allocates nothing.
type ioState struct {
	vec  [][]byte
	bufs net.Buffers
}

func (c *tcpConn) initIO() { c.io.vec = make([][]byte, 0, maxWritev) }

// readOnce blocks in Read with a buffer borrowed from the pool, so here an
// idle connection holds one: there is no non-blocking read on these
// sockets to try first. Without block it reads nothing.
func (c *tcpConn) readOnce(block bool) (int, error) {
	if !block {
		return 0, errAgain
	}
	if c.in == nil {
		c.in = c.s.bufs.Get().(*[]byte)
	}
	n, err := c.nc.Read(*c.in)
	switch {
	case n > 0:
		return n, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.stale = true
		return 0, errAgain
	case err == io.EOF:
		c.releaseInput()
		return 0, io.EOF
	}
	return 0, syscallError("read", err)
}

// releaseInput hands the read buffer back to the pool.
func (c *tcpConn) releaseInput() {
	if c.in != nil {
		c.s.bufs.Put(c.in)
		c.in = nil
	}
}

// writeOnce writes the pending output with a blocking write of its blocks
// as net.Buffers (WSASend with several buffers), which an interrupt cuts
// short. Without block it writes nothing: the next iteration's wait does
// it.
func (c *tcpConn) writeOnce(block bool) (int, error) {
	if !block {
		return 0, errAgain
	}
	c.io.bufs = c.PendingVec(c.io.vec)
	n64, err := c.io.bufs.WriteTo(c.nc)
	c.io.bufs = nil
	clear(c.io.vec[:cap(c.io.vec)]) // drop the references: sent blocks are the pool's
	n := int(n64)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.stale = true
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
