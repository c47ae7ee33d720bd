package goroutine

// A connection's goroutine repeats one turn, holding its loop's mutex
// except while it waits:
//
//	decide   close if it is closing with nothing left to send; else wait
//	         for the socket to take the pending output, or for input
//	wait     without the mutex
//	show     what the wait brought: Deliver the input, or Advance past
//	         what was written (AsyncWrite completions)
//	flush    hand what the turn wrote, to any connection of the loop, to
//	         the kernel without blocking
//
// Everything but the waiting is the engine kit's. The platform files
// (io_unix.go, io_other.go) provide the waiting:
//
//	c.initIO()        prepare the connection's raw I/O
//	c.readOnce()      wait for input and read it into a borrowed buffer,
//	                  c.in (without the mutex)
//	c.releaseInput()  hand c.in back to the pool (the goroutine's own)
//	c.writeOnce()     write a prefix of the pending output without
//	                  blocking, its blocks gathered into one writev where
//	                  the system has it (with the mutex)
//	c.prepareWrite()  get the pending output ready for waitWrite (with it)
//	c.waitWrite()     wait until the socket takes some of it and write
//	                  it; returns with the mutex held
//
// readOnce and waitWrite return errAgain when the wait was interrupted.
//
// # Interrupting a wait
//
// The goroutine of a connection is interrupted by a deadline in the past:
// net.Conn's deadlines may be changed from any goroutine at any time, even
// while a read or write is blocked, and a past one makes the blocked call
// (or the next one) return at once with os.ErrDeadlineExceeded, without
// touching the socket's data. Whoever interrupts holds the loop's mutex
// and marks the deadline stale; the connection's goroutine resets it, with
// the mutex held, before it decides how to wait, so a reset can only erase
// an interrupt whose reason it is about to see. Interrupts are for the
// connection itself (output left to wait for, or the close); the loop's
// timers and requests are its own goroutine's.

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
)

// tcpConn is a connection of the goroutine engine: the kit's core and the
// socket.
type tcpConn struct {
	engine.Core
	l  *loop
	s  *acceptor
	nc sockConn // nil while dialling
	// cancelDial ends the dial in progress; nil once connected, or for an
	// accepted connection.
	cancelDial context.CancelFunc
	// in is the read buffer, borrowed only while the socket has input;
	// only the connection's goroutine touches it. holding says whether it
	// is borrowed, for other goroutines (tests).
	in      *[]byte
	holding atomic.Bool
	// wait says what the connection's goroutine waits for, if it has let
	// go of the loop's mutex to wait: a flush leaves the socket's write
	// side alone while it waits to write, and interrupts a read.
	wait waitKind
	// stale is set when the socket's deadline may be in the past: the
	// next turn resets it before waiting.
	stale bool
	// stalled: output is waiting for the kernel, so reading is paused;
	// counted in the statistics' Paused.
	stalled bool
	// park wakes a goroutine that waits, reading paused by the handler
	// (conn.FlowController) or by the peer's FIN to a
	// conn.HalfCloseHandler, for something to change (capacity 1).
	park chan struct{}
	io   ioState
}

// waitKind is what a connection's goroutine waits for.
type waitKind uint8

const (
	waitNone  waitKind = iota // it holds the mutex, or has not started
	waitRead                  // input
	waitWrite                 // the socket to take output
	waitPark                  // reading is paused: a change, on c.park
)

var _ conn.Conn = (*tcpConn)(nil)

// sockConn is a connected socket of package net: *net.TCPConn or
// *net.UnixConn.
type sockConn interface {
	net.Conn
	syscall.Conn
}

// errAgain is "nothing to do now": the socket would block, or the wait
// was interrupted.
var errAgain = errors.New("goroutine: would block")

// errDone ends the turns of a connection that has finished.
var errDone = errors.New("goroutine: connection finished")

// maxWritev bounds the blocks one write gathers: golang.org/x/sys/unix
// keeps that many iovecs on the stack, so a writev allocates nothing.
const maxWritev = 8

// aLongTimeAgo is the deadline that interrupts a wait.
var aLongTimeAgo = time.Unix(1, 0)

// never is the stop flag of connection goroutines: they end when their
// connection does, which the loop's shutdown sees to.
var never atomic.Bool

func newConn(l *loop, nc sockConn) *tcpConn {
	c := &tcpConn{l: l, s: l.a, nc: nc, park: make(chan struct{}, 1)}
	c.Init(c, &l.Loop, nc.LocalAddr(), nc.RemoteAddr())
	c.initIO()
	return c
}

// interrupt makes the connection's current or next wait return. The
// loop's mutex is held. It cannot fail in a way that matters: once the
// socket is closed nobody waits on it.
func (c *tcpConn) interrupt() {
	c.stale = true
	c.nc.SetDeadline(aLongTimeAgo)
}

// clearDeadline undoes an interrupt. The loop's mutex is held.
func (c *tcpConn) clearDeadline() {
	if c.stale {
		c.nc.SetDeadline(time.Time{})
		c.stale = false
	}
}

// run is the connection's goroutine, after OnOpen, until OnClose; then it
// closes the socket.
func (c *tcpConn) run() {
	l := c.l
	defer l.conns.Done()
	pprof.SetGoroutineLabels(l.labels)
	l.mu.Lock()
	engine.Iterate(&never, c.turn, l.recovered)
	delete(l.live, c)
	l.endTurn() // its last: the counts, and any timer it armed
	l.mu.Unlock()
	c.releaseInput()
	c.nc.Close()
}

// turn waits once and shows what came of it. Called with the loop's mutex
// held; it returns with it held.
func (c *tcpConn) turn() error {
	l := c.l
	if c.Closed() {
		return errDone
	}
	if closing, cause := c.Closing(); closing && len(c.Pending()) == 0 {
		l.closeNow(c, cause)
		return errDone
	}
	c.clearDeadline()
	writing := len(c.Pending()) > 0
	c.stall(writing)
	l.endTurn()
	if !writing && c.Paused() {
		// Nothing to write, nothing to read: wait for a flush of this
		// connection (a write, ResumeReading, CloseWrite) or its close.
		c.wait = waitPark
		l.mu.Unlock()
		<-c.park
		l.mu.Lock()
		c.wait = waitNone
		l.NewTurn()
		if c.Closed() {
			return errDone
		}
		l.FlushDirty()
		return nil
	}
	if writing {
		c.wait = waitWrite
		c.prepareWrite()
		l.mu.Unlock()
		n, err := c.waitWrite() // takes the mutex
		c.wait = waitNone
		l.NewTurn()
		if c.Closed() {
			return errDone
		}
		l.wrote(c, n, err)
		c.shutWrite()
	} else {
		c.wait = waitRead
		l.mu.Unlock()
		n, err := c.readOnce()
		l.mu.Lock()
		c.wait = waitNone
		l.NewTurn()
		if c.Closed() {
			return errDone
		}
		c.received(n, err)
	}
	l.FlushDirty()
	return nil
}

// unpark wakes the connection's goroutine if it waits with reading
// paused, to decide again. The loop's mutex is held.
func (c *tcpConn) unpark() {
	if c.wait == waitPark {
		select {
		case c.park <- struct{}{}:
		default:
		}
	}
}

// shutWrite sends the FIN once the handler's CloseWrite asks for it and
// the output is out. The loop's mutex is held.
func (c *tcpConn) shutWrite() {
	if c.nc == nil || c.Closed() || !c.WantShutdown() {
		return
	}
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.ShutdownDone()
}

// stall records whether reading is paused because output waits.
func (c *tcpConn) stall(stalled bool) {
	if stalled != c.stalled {
		c.stalled = stalled
		if stalled {
			c.l.Stats().Paused++
		} else {
			c.l.Stats().Paused--
		}
	}
}

// received shows what readOnce returned to the handler.
func (c *tcpConn) received(n int, err error) {
	l := c.l
	switch {
	case n > 0:
		l.Stats().Reads++
		l.cur = c
		err := c.Deliver(c.s.h, (*c.in)[:n])
		l.cur = nil
		if err != nil {
			l.closeNow(c, err)
		}
	case err == errAgain:
	case err == io.EOF:
		// The peer shut down its side. Replies it is still owed go out
		// first; then we close, unless a conn.HalfCloseHandler keeps the
		// connection open for writing (reading stays paused).
		c.PeerEOF(c.s.h)
	default:
		l.closeNow(c, err)
	}
}

// borrow takes a read buffer from the pool, if c has none.
func (c *tcpConn) borrow() {
	if c.in == nil {
		c.in = c.s.bufs.Get().(*[]byte)
		c.holding.Store(true)
	}
}

// releaseInput hands the read buffer back to the pool.
func (c *tcpConn) releaseInput() {
	if c.in != nil {
		c.s.bufs.Put(c.in)
		c.in = nil
		c.holding.Store(false)
	}
}
