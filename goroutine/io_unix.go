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
// connection, so that a read or write allocates nothing. The read's fields
// are the connection goroutine's; the write's are under the loop's mutex.
type ioState struct {
	rc syscall.RawConn

	readFn func(fd uintptr) bool
	rn     int
	rerr   error // the read's error; nil or EAGAIN

	writeFn, waitFn func(fd uintptr) bool
	vec             [][]byte // what the write writes; cap bounds the blocks per writev
	wn              int
	werr            error // the write's error; nil or EAGAIN
	locked          bool  // waitReady took the loop's mutex
}

func (c *tcpConn) initIO() {
	c.io.rc, _ = c.nc.SyscallConn() // fails only on a closed socket, whose reads fail later
	c.io.readFn = c.readReady
	c.io.writeFn = c.writeReady
	c.io.waitFn = c.waitReady
	c.io.vec = make([][]byte, 0, maxWritev)
}

// readOnce waits for input and reads it into a buffer borrowed from the
// pool. The runtime's netpoller does the waiting: RawConn.Read calls
// readReady, and again each time the socket becomes readable, until it
// returns true. readReady borrows the buffer only for its read and hands
// it back when the socket has nothing, so an idle connection holds none.
func (c *tcpConn) readOnce() (int, error) {
	c.io.rn, c.io.rerr = 0, nil
	if c.io.rc == nil {
		return 0, os.ErrClosed
	}
	if err := c.io.rc.Read(c.io.readFn); err != nil {
		return 0, errAgain // interrupted, or closed: the turn sees which
	}
	switch {
	case c.io.rerr != nil:
		return 0, os.NewSyscallError("read", c.io.rerr)
	case c.io.rn == 0:
		c.releaseInput()
		return 0, io.EOF
	}
	return c.io.rn, nil
}

func (c *tcpConn) readReady(fd uintptr) bool {
	c.borrow()
	for {
		n, err := syscall.Read(int(fd), *c.in)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			c.releaseInput()
			return false // wait for input
		}
		c.io.rn, c.io.rerr = max(n, 0), err
		return true
	}
}

// gather puts the pending output in c.io.vec.
func (c *tcpConn) gather() {
	if p := c.Pending(); len(p) == c.Buffered() {
		c.io.vec = append(c.io.vec, p)
	} else {
		c.io.vec = c.PendingVec(c.io.vec)
	}
}

// scatter drops the references to the output: sent blocks are the pool's.
func (c *tcpConn) scatter() {
	clear(c.io.vec)
	c.io.vec = c.io.vec[:0]
}

// writeOnce writes a prefix of the pending output with one write(2), or
// one writev(2) where it spans blocks, without blocking. The loop's mutex
// is held, and the connection's goroutine is not in waitWrite.
func (c *tcpConn) writeOnce() (int, error) {
	c.io.wn, c.io.werr = 0, nil
	if c.io.rc == nil {
		return 0, os.ErrClosed
	}
	c.gather()
	err := c.io.rc.Write(c.io.writeFn)
	c.scatter()
	return c.wrote(err)
}

func (c *tcpConn) wrote(err error) (int, error) {
	n := c.io.wn
	switch {
	case err != nil:
		return n, errAgain // interrupted, or closed: the turn sees which
	case c.io.werr == syscall.EAGAIN:
		return n, errAgain
	case c.io.werr != nil:
		return n, os.NewSyscallError("write", c.io.werr)
	}
	return n, nil
}

func (c *tcpConn) writeReady(fd uintptr) bool {
	for {
		n, err := writev(int(fd), c.io.vec)
		if err == syscall.EINTR {
			continue
		}
		c.io.wn, c.io.werr = max(n, 0), err
		return true
	}
}

// prepareWrite has nothing to prepare: waitReady gathers the output each
// time the socket can take some, with the mutex held.
func (c *tcpConn) prepareWrite() {}

// waitWrite waits, without the loop's mutex, until the socket takes some
// of the pending output, and returns with the mutex held. Each time the
// socket becomes writable, waitReady takes the mutex and writes what is
// pending then; on EAGAIN it lets go and waits again.
func (c *tcpConn) waitWrite() (int, error) {
	c.io.locked = false
	c.io.wn, c.io.werr = 0, nil
	err := c.io.rc.Write(c.io.waitFn)
	if !c.io.locked {
		c.l.mu.Lock()
	}
	return c.wrote(err)
}

func (c *tcpConn) waitReady(fd uintptr) bool {
	c.l.mu.Lock()
	if c.Closed() || len(c.Pending()) == 0 {
		c.io.locked = true
		return true
	}
	c.gather()
	for {
		n, err := writev(int(fd), c.io.vec)
		if err == syscall.EINTR {
			continue
		}
		c.scatter()
		if err == syscall.EAGAIN {
			c.l.mu.Unlock()
			return false // wait until the socket takes more
		}
		c.io.wn, c.io.werr = max(n, 0), err
		c.io.locked = true
		return true
	}
}
