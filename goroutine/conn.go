package goroutine

// A connection is a loop of its own. Its goroutine repeats one iteration:
//
//	wait     for input, or, while output is pending, for the socket to take
//	         it; blocking unless requests are already queued
//	requests carry out what other goroutines queued (AsyncWrite, Wake, Close)
//	timers   close the connection if its deadline passed
//	flush    hand the queued output to the kernel, without blocking
//
// Everything but the waiting is the engine kit's. The platform files
// (io_unix.go, io_other.go) provide the waiting:
//
//	c.initIO()            prepare the connection's raw I/O
//	c.readOnce(block)     read into a borrowed buffer, c.in
//	c.releaseInput()      hand c.in back to the pool
//	c.writeOnce(block)    write a prefix of the pending output, its blocks
//	                      gathered into one writev where the system has it
//
// Both return errAgain when there is nothing to do now: the socket would
// block (and block is false) or the wait was interrupted.
//
// # Interrupting a wait
//
// Other goroutines reach a connection through its kit Loop, whose wake-up
// here is a deadline in the past (see interrupt). net.Conn's deadlines may
// be changed from any goroutine at any time, even while Read or Write is
// blocked, and a past one makes the blocked call (or the next one) return at
// once with os.ErrDeadlineExceeded, without touching the socket's data. The
// connection's goroutine resets the deadline at the start of an iteration
// when a wait may have been interrupted, and only then tells the Loop it is
// going to sleep, so a reset can only erase a wake-up whose request the Loop
// already shows it; a wake-up that lands later makes one iteration return
// early, nothing worse. The same deadline is the connection's timer: set to
// the Loop's next deadline scan while the handler has a deadline.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
)

// tcpConn is a connection of the goroutine engine: the kit's core, the
// kit's loop for the one connection, and the socket.
type tcpConn struct {
	engine.Core
	loop engine.Loop
	s    *acceptor
	nc   *net.TCPConn
	in   *[]byte // the read buffer, borrowed only while the socket has input
	// stale is set when the socket's deadline may be in the past or set
	// for a timer: the next iteration resets it before waiting.
	stale bool
	// stalled: output is waiting for the kernel, so reading is paused;
	// counted in the statistics' Paused.
	stalled bool
	io      ioState
}

var _ conn.Conn = (*tcpConn)(nil)

// errAgain is readOnce's and writeOnce's "nothing to do now".
var errAgain = errors.New("goroutine: would block")

// errDone ends the iteration of a connection that has finished.
var errDone = errors.New("goroutine: connection finished")

// maxWritev bounds the blocks one write gathers: golang.org/x/sys/unix
// keeps that many iovecs on the stack, so a writev allocates nothing.
const maxWritev = 8

// aLongTimeAgo is the deadline that interrupts a wait.
var aLongTimeAgo = time.Unix(1, 0)

func newConn(s *acceptor, nc *net.TCPConn) *tcpConn {
	c := &tcpConn{s: s, nc: nc}
	c.loop.Init(s.cfg, c.interrupt)
	c.Init(c, &c.loop, nc.LocalAddr(), nc.RemoteAddr())
	c.initIO()
	return c
}

// interrupt is the Loop's wake-up: it makes the connection's current or
// next wait return. Safe from any goroutine. It cannot fail in a way that
// matters: once the socket is closed nobody waits on it.
func (c *tcpConn) interrupt() error {
	c.nc.SetDeadline(aLongTimeAgo)
	return nil
}

// run is the connection's goroutine, from OnOpen to OnClose.
func (c *tcpConn) run() {
	defer c.s.conns.Done()
	defer c.s.retire(c)
	engine.Safely(func() { c.s.h.OnOpen(c) }, c.recovered)
	if !c.Closed() {
		c.flush()
	}
	if !c.Closed() {
		engine.Iterate(&c.s.stopping, c.iterate, c.recovered)
	}
	if !c.Closed() {
		c.shutdown()
	}
}

// recovered logs a handler panic and ends the connection; its goroutine
// then returns.
func (c *tcpConn) recovered(r any) error {
	c.s.log.Error("netloop: handler panic recovered", zap.String("remote", c.RemoteAddr().String()),
		zap.Any("panic", r), zap.StackSkip("stack", 2))
	// A completion failed by the close may panic in turn; it is logged too.
	engine.Safely(func() { c.closeNow(fmt.Errorf("%w: %v", conn.ErrHandlerPanic, r)) }, c.logPanic)
	return errDone
}

func (c *tcpConn) logPanic(r any) error {
	c.s.log.Error("netloop: panic while closing recovered", zap.Any("panic", r))
	return nil
}

func (c *tcpConn) iterate() error {
	if closing, cause := c.Closing(); closing && len(c.Pending()) == 0 {
		c.closeNow(cause)
		return errDone
	}
	c.prepareDeadline()
	// The stop flag is read after the deadline reset, so that the
	// shutdown's interrupt cannot be lost to it.
	block := c.loop.PrepareSleep() && !c.s.stopping.Load()
	if len(c.Pending()) > 0 {
		c.releaseInput()
		n, err := c.writeOnce(block)
		c.loop.Woke()
		c.clearDeadline()
		c.wrote(n, err)
	} else {
		n, err := c.readOnce(block)
		c.loop.Woke()
		c.clearDeadline()
		c.received(n, err)
	}
	if c.Closed() {
		return errDone
	}
	c.runRequests()
	for _, t := range c.loop.RunTimers() { // only this connection is on its loop
		c.closeNow(t.TimedOut())
	}
	if b := c.s.cfg.MemoryBudget; b > 0 && !c.Closed() && c.Buffered() > b {
		// The kit's budget is shared by a fixed set of loops; here every
		// connection is a loop, so each is held to the whole budget.
		c.closeNow(conn.ErrMemoryBudget)
	}
	if c.Closed() {
		return errDone
	}
	c.flush()
	if c.Closed() {
		return errDone
	}
	c.stall(len(c.Pending()) > 0)
	return nil
}

// stall records whether reading is paused because output waits.
func (c *tcpConn) stall(stalled bool) {
	if stalled != c.stalled {
		c.stalled = stalled
		if stalled {
			c.loop.Stats().Paused++
		} else {
			c.loop.Stats().Paused--
		}
	}
}

// prepareDeadline sets the socket's deadline for the wait ahead: the next
// deadline scan if the handler set a deadline, else none.
func (c *tcpConn) prepareDeadline() {
	if ms := c.loop.WaitTimeout(); ms >= 0 {
		c.nc.SetDeadline(time.Now().Add(time.Duration(ms) * time.Millisecond))
		c.stale = true
	} else if c.stale {
		c.nc.SetDeadline(time.Time{})
		c.stale = false
	}
}

// clearDeadline undoes, right after the wait, a deadline that interrupted
// it or was set for a timer, so that the flush ahead is not refused (the
// next iteration sets a timer's again). Erasing a wake-up here is as safe
// as at the start of an iteration: its request is already queued.
func (c *tcpConn) clearDeadline() {
	if c.stale {
		c.nc.SetDeadline(time.Time{})
		c.stale = false
	}
}

// received shows what readOnce returned to the handler.
func (c *tcpConn) received(n int, err error) {
	switch {
	case n > 0:
		c.loop.Stats().Reads++
		if err := c.Deliver(c.s.h, (*c.in)[:n]); err != nil {
			c.closeNow(err)
		}
	case err == errAgain:
	case err == io.EOF:
		// The peer shut down its side. Replies it is still owed go out
		// first; then we close.
		c.StartClose(io.EOF)
	default:
		c.closeNow(err)
	}
}

// wrote records what writeOnce handed to the kernel.
func (c *tcpConn) wrote(n int, err error) {
	if n > 0 {
		c.loop.Stats().Writes++
		c.Advance(n) // may run AsyncWrite completions
	}
	if err != nil && err != errAgain {
		c.closeNow(err)
	}
}

// runRequests carries out the current batch of requests from other
// goroutines.
func (c *tcpConn) runRequests() {
	for r, ok := c.loop.NextRequest(); ok; r, ok = c.loop.NextRequest() {
		c.loop.Do(c.s.h, r)
	}
}

// flush hands the pending output to the kernel without blocking; what is
// left waits for the next iteration. A closing connection with nothing left
// to send is closed.
func (c *tcpConn) flush() {
	if len(c.Pending()) > 0 {
		n, err := c.writeOnce(false)
		c.wrote(n, err)
		if c.Closed() {
			return
		}
	}
	if closing, cause := c.Closing(); closing && len(c.Pending()) == 0 {
		c.closeNow(cause)
	}
}

// closeNow closes the socket without flushing and calls OnClose.
func (c *tcpConn) closeNow(cause error) {
	if c.Closed() {
		return
	}
	c.releaseInput()
	c.nc.Close()
	c.stall(false)
	c.Finish(c.s.h, cause)
}

// shutdown ends the connection when the server stops: one iteration's
// share of the requests queued before the stop is carried out and the rest
// dropped (a backlog must not hold the shutdown up), the output gets one
// last non-blocking flush, and OnClose receives conn.ErrServerClosed.
func (c *tcpConn) shutdown() {
	c.loop.RefuseRequests()
	engine.Safely(c.runRequests, c.recovered)
	for c.loop.HasRequests() {
		engine.Safely(c.loop.DropRequests, c.recovered)
	}
	if c.Closed() {
		return
	}
	c.nc.SetDeadline(time.Time{}) // undo the shutdown's interrupt
	engine.Safely(func() {
		if len(c.Pending()) > 0 {
			n, _ := c.writeOnce(false)
			if n > 0 {
				c.loop.Stats().Writes++
				c.Advance(n)
			}
		}
		c.closeNow(conn.ErrServerClosed)
	}, c.recovered)
}
