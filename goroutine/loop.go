package goroutine

// A loop here is logical: a kit Loop, a mutex, its own goroutine and the
// goroutines of its connections. Whoever holds the mutex takes a turn of
// the loop, so every callback of the loop's connections, its timers, ticks
// and posted functions run one at a time, as on an event loop's thread,
// and per-loop state needs no lock of its own.
//
// A connection's goroutine blocks in the kernel (its read, or its wait for
// the socket to take output) without the mutex, then takes it to show what
// it read, run the callbacks and flush; it lets go before it blocks again.
// The loop's goroutine sleeps without the mutex until a request from
// another goroutine (AsyncWrite, Wake, Close, Post), its next timer or the
// stop, then takes it to carry them out. Every turn ends by flushing what
// it wrote, without blocking, to any of the loop's connections; one whose
// output the kernel did not take all of is interrupted in its read (its
// deadline set in the past), so that its goroutine waits for the socket to
// drain instead.
//
// A turn that arms a timer due before the loop's goroutine means to wake
// wakes it (see endTurn); the loop's wake-up is a buffered channel, so it
// is never lost and never blocks.

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
)

// loop is one of the server's logical loops.
type loop struct {
	engine.Loop
	a      *acceptor
	labels context.Context // for its connections' goroutines

	mu       sync.Mutex
	wake     chan struct{} // capacity 1: a pending wake-up
	timer    *time.Timer   // the sleep until the next timer
	sleepDue int64         // NextDue the loop's goroutine sleeps until
	cur      *tcpConn      // whose callback runs, for panic recovery
	live     map[*tcpConn]struct{}
	conns    sync.WaitGroup // connection goroutines
	stopping atomic.Bool
}

func newLoop(a *acceptor, i int) *loop {
	l := &loop{a: a, labels: labels(i), wake: make(chan struct{}, 1), live: map[*tcpConn]struct{}{}}
	l.Init(a.cfg, l.kick)
	l.SetConnect(l.connect)
	l.SetFlush(func(c *engine.Core) { l.flush(c.Self().(*tcpConn)) })
	l.timer = time.NewTimer(time.Hour)
	l.timer.Stop()
	return l
}

// kick is the loop's wake-up; safe from any goroutine.
func (l *loop) kick() error {
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return nil
}

// Run is the loop's own goroutine. Loop 0 also starts the acceptor, now
// that every loop's OnLoopStart has returned.
func (l *loop) Run(h conn.Handler) error {
	l.a.setHandler(h)
	if l.Index() == 0 {
		l.a.start(h)
	}
	l.mu.Lock()
	engine.Iterate(&l.stopping, l.iterate, l.recovered)
	l.mu.Unlock()
	// No connection is added once the acceptor has returned.
	l.a.Stop()
	<-l.a.done
	l.shutdown()
	l.conns.Wait()
	return nil
}

// Stop asks the loop to shut down; safe from any goroutine.
func (l *loop) Stop() {
	l.a.Stop()
	l.stopping.Store(true)
	l.kick()
}

// iterate is one turn of the loop's goroutine: sleep until there is work,
// then carry out requests and timers and flush. Called with l.mu held; it
// returns with l.mu held.
func (l *loop) iterate() error {
	block := l.PrepareSleep() && !l.stopping.Load()
	ms := 0
	if block {
		ms = l.WaitTimeout()
	}
	l.sleepDue = math.MaxInt64
	if due, ok := l.NextDue(); ok {
		l.sleepDue = due
	}
	l.mu.Unlock() // even without a sleep: connections take their turns
	switch {
	case ms < 0:
		<-l.wake
	case ms > 0:
		l.timer.Reset(time.Duration(ms) * time.Millisecond)
		select {
		case <-l.wake:
		case <-l.timer.C:
		}
		l.timer.Stop()
	}
	l.mu.Lock()
	l.Woke()
	l.runRequests()
	for _, c := range l.RunTimers() {
		l.closeNow(c.Self().(*tcpConn), c.TimedOut())
	}
	l.FlushDirty()
	return nil
}

// endTurn ends a connection goroutine's turn: it publishes the counters
// and wakes the loop's goroutine if the turn armed a timer due before it
// means to wake.
func (l *loop) endTurn() {
	l.Publish()
	if due, ok := l.NextDue(); ok && due < l.sleepDue {
		l.sleepDue = due
		l.kick()
	}
}

// recovered logs a handler panic and ends the connection whose callback
// panicked; the loop, or the connection goroutine, goes on. l.mu is held.
func (l *loop) recovered(r any) error {
	c := l.cur
	l.cur = nil
	l.a.log.Error("netloop: handler panic recovered", zap.Int("loop", l.Index()), zap.Any("panic", r), zap.StackSkip("stack", 2))
	if c != nil {
		// A completion failed by the close may panic in turn; it is
		// logged too.
		engine.Safely(func() { l.closeNow(c, fmt.Errorf("%w: %v", conn.ErrHandlerPanic, r)) }, l.logPanic)
	}
	return nil
}

func (l *loop) logPanic(r any) error {
	l.a.log.Error("netloop: panic while closing recovered", zap.Any("panic", r))
	return nil
}

// runRequests carries out the current batch of requests from other
// goroutines.
func (l *loop) runRequests() {
	for r, ok := l.NextRequest(); ok; r, ok = l.NextRequest() {
		l.cur = r.Conn.Self().(*tcpConn) // only for panic recovery
		if c := l.Do(l.a.h, r); c != nil {
			l.MarkDirty(c)
		}
		l.cur = nil
	}
}

// flush hands c's pending output to the kernel without blocking, unless
// c's goroutine is waiting to write it (and holds the socket's write side
// for that); a closing connection with nothing left to send is closed. If
// output is left while c's goroutine waits for input, it is interrupted, to
// wait for the socket to drain instead.
func (l *loop) flush(c *tcpConn) {
	if c.Closed() {
		return
	}
	if c.nc == nil { // dialling: nothing to write to yet
		if closing, cause := c.Closing(); closing {
			l.closeNow(c, cause)
		}
		return
	}
	if b := l.a.cfg.MemoryBudget; b > 0 && c.Buffered() > b {
		// The kit's budget scans are made for loops that own their
		// sockets; here each connection is held to the whole budget.
		l.closeNow(c, conn.ErrMemoryBudget)
		return
	}
	if len(c.Pending()) > 0 && c.wait != waitWrite {
		n, err := c.writeOnce()
		l.wrote(c, n, err)
		if c.Closed() {
			return
		}
	}
	if closing, cause := c.Closing(); closing && len(c.Pending()) == 0 {
		l.closeNow(c, cause)
		return
	}
	c.shutWrite()
	if c.wait == waitRead && (len(c.Pending()) > 0 || c.Paused()) {
		c.interrupt()
	}
	c.unpark()
}

// wrote records what a write handed to the kernel.
func (l *loop) wrote(c *tcpConn, n int, err error) {
	if n > 0 {
		l.Stats().Writes++
		l.cur = c
		c.Advance(n) // may run AsyncWrite completions
		l.cur = nil
	}
	if err != nil && err != errAgain {
		l.closeNow(c, err)
	}
}

// open takes a new connection onto the loop: OnOpen and its flush in a
// turn of the acceptor's, then the connection's own goroutine.
func (l *loop) open(nc sockConn) {
	l.mu.Lock()
	l.NewTurn()
	c := newConn(l, nc)
	l.live[c] = struct{}{}
	l.conns.Add(1)
	l.cur = c
	engine.Safely(func() { l.a.h.OnOpen(c) }, l.recovered)
	l.cur = nil
	engine.Safely(l.FlushDirty, l.recovered)
	l.endTurn()
	l.mu.Unlock()
	go c.run()
}

// closeNow ends c without flushing and calls OnClose. Its goroutine, once
// interrupted, closes the socket: only it may, since closing waits for
// the socket's reads and writes in progress to return.
func (l *loop) closeNow(c *tcpConn, cause error) {
	if c.Closed() {
		return
	}
	c.stall(false)
	if c.wait != waitNone {
		c.interrupt()
		c.unpark()
	}
	if c.cancelDial != nil {
		c.cancelDial() // its goroutine sees the connection closed
	}
	c.Finish(l.a.h, cause)
}

// shutdown, once the acceptor has returned, carries out one share of the
// requests queued before the stop and drops the rest (a backlog must not
// hold the shutdown up), gives each connection one last non-blocking
// flush, and ends them all with conn.ErrServerClosed.
func (l *loop) shutdown() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.NewTurn()
	l.RefuseRequests()
	engine.Safely(l.runRequests, l.recovered)
	for l.HasRequests() {
		engine.Safely(l.DropRequests, l.recovered)
	}
	engine.Safely(l.FlushDirty, l.recovered)
	for c := range l.live {
		engine.Safely(func() {
			if !c.Closed() && c.nc != nil && c.wait != waitWrite && len(c.Pending()) > 0 {
				c.clearDeadline()
				n, err := c.writeOnce()
				l.wrote(c, n, err)
			}
			l.closeNow(c, conn.ErrServerClosed)
		}, l.recovered)
	}
	l.Publish()
}
