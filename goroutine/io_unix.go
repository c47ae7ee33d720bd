//go:build unix && !netloop_blockingio

package goroutine

import (
	"io"
	"os"
	"syscall"
)

// idleHoldsBuffer: an idle connection waits without a buffer.
const idleHoldsBuffer = false

// ioState is what the raw reads and writes of one connection share with
// their callbacks. The callbacks are method values made once per
// connection, so that a read or write allocates nothing.
type ioState struct {
	rc      syscall.RawConn
	readFn  func(fd uintptr) bool
	writeFn func(fd uintptr) bool
	block   bool     // wait for the socket rather than report EAGAIN
	vec     [][]byte // what writeFn writes; cap bounds the blocks per writev
	n       int
	err     error // the system call's error; nil or EAGAIN
}

func (c *tcpConn) initIO() {
	c.io.rc, _ = c.nc.SyscallConn() // fails only on a closed socket, whose reads fail later
	c.io.readFn = c.readReady
	c.io.writeFn = c.writeReady
	c.io.vec = make([][]byte, 0, maxWritev)
}

// readOnce reads once into a buffer borrowed from the pool, waiting for
// input first if block is set. The runtime's netpoller does the waiting:
// RawConn.Read calls readReady, and again each time the socket becomes
// readable, until it returns true. readReady borrows the buffer only for
// its read and hands it back when the socket has nothing, so an idle
// connection holds none.
func (c *tcpConn) readOnce(block bool) (int, error) {
	c.io.block, c.io.n, c.io.err = block, 0, nil
	if c.io.rc == nil {
		return 0, os.ErrClosed
	}
	if err := c.io.rc.Read(c.io.readFn); err != nil {
		c.stale = true // interrupted, or the deadline in the way
		return 0, errAgain
	}
	switch {
	case c.io.err == syscall.EAGAIN:
		return 0, errAgain
	case c.io.err != nil:
		return 0, os.NewSyscallError("read", c.io.err)
	case c.io.n == 0:
		c.releaseInput()
		return 0, io.EOF
	}
	return c.io.n, nil
}

func (c *tcpConn) readReady(fd uintptr) bool {
	if c.in == nil {
		c.in = c.s.bufs.Get().(*[]byte)
	}
	for {
		n, err := syscall.Read(int(fd), *c.in)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			c.releaseInput()
			if c.io.block {
				return false // wait for input
			}
		}
		c.io.n, c.io.err = max(n, 0), err
		return true
	}
}

// releaseInput hands the read buffer back to the pool.
func (c *tcpConn) releaseInput() {
	if c.in != nil {
		c.s.bufs.Put(c.in)
		c.in = nil
	}
}

// writeOnce writes a prefix of the pending output with one write(2), or
// one writev(2) where it spans blocks, waiting until the socket takes some
// if block is set.
func (c *tcpConn) writeOnce(block bool) (int, error) {
	c.io.block, c.io.n, c.io.err = block, 0, nil
	if c.io.rc == nil {
		return 0, os.ErrClosed
	}
	if p := c.Pending(); len(p) == c.Buffered() {
		c.io.vec = append(c.io.vec, p)
	} else {
		c.io.vec = c.PendingVec(c.io.vec)
	}
	err := c.io.rc.Write(c.io.writeFn)
	clear(c.io.vec) // drop the references: sent blocks are the pool's
	c.io.vec = c.io.vec[:0]
	n := c.io.n
	switch {
	case err != nil:
		c.stale = true
		return n, errAgain
	case c.io.err == syscall.EAGAIN:
		return n, errAgain
	case c.io.err != nil:
		return n, os.NewSyscallError("write", c.io.err)
	}
	return n, nil
}

func (c *tcpConn) writeReady(fd uintptr) bool {
	for {
		n, err := writev(int(fd), c.io.vec)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN && c.io.block {
			return false // wait until the socket takes more
		}
		c.io.n, c.io.err = max(n, 0), err
		return true
	}
}
