package engine

import (
	"context"
	"net"
	"sync"
	"sync/atomic"

	"github.com/valyala/bytebufferpool"

	"github.com/netloop/netloop/conn"
)

// Loop is the engine-independent part of an event loop: the queue through
// which other goroutines reach its connections, the coalescing of wake-ups,
// the list of connections to flush, and its timers. It is also the
// conn.Loop handlers see. An engine's loop embeds it; the
// engine supplies the wake-up itself (an eventfd write, a ring message).
type Loop struct {
	cfg  conn.Config
	wake func() error

	mu      sync.Mutex
	queue   []Request
	queued  atomic.Int32 // len(queue), readable without the lock
	stopped bool

	batch []Request // being carried out; swapped with queue
	next  int       // batch[next] is the next request to hand out
	fresh bool      // the batch ended: the next call starts another
	ran   int       // requests handed out in this iteration

	// awake is 1 while the loop runs and 0 while it is (about to be)
	// blocked in the kernel. A poster that swaps it from 0 to 1 owns the
	// one wake-up the sleep needs; posts while the loop runs cost no
	// system call at all.
	awake atomic.Int32

	dirty []*Core // connections to flush at the end of the iteration

	outbounds  []*outbound // free output queues (outbound.go)
	listenAddr net.Addr    // the listener's, for connections without their own (addr.go)

	// Timers (timer.go): the heap, the order in which timers were set,
	// the loop's clock and the connections the last RunTimers expired.
	heap    []*timer
	seq     uint64
	now     int64 // the loop's clock; see clock
	stale   bool  // now was read in an earlier iteration
	yielded int64 // now at the last Yield
	expired []*Core
	ticker  timer // the TickHandler's, when the handler is one

	connect  func(*Dialing) error // the engine's, for Dial (dial.go)
	flushOne func(*Core)          // the engine's (SetFlush)

	// The engine's, where it can write on the caller's goroutine
	// (SetWriteNow).
	writeNow func(c *Core, p []byte) int

	// Loops sharing one listener (spread.go): the group, the engine's
	// functions for a connection another loop handed over, and the
	// counts the others read to choose the least loaded loop.
	spread         *spread
	adopt, reject  func(fd int)
	live, incoming atomic.Int32 // open connections; on their way (handed over, HoldDrain)
	draining       atomic.Bool  // drain.active, for the other loops' HandOff
	dialOnly       bool         // a client's loop: no server handler (client.go)

	// Dials resolving a name (dial.go): counted under mu while the loop
	// is not stopped; resolveStop, cancelled by RefuseRequests, ends
	// them.
	resolving   sync.WaitGroup
	resolveStop context.Context
	endResolves context.CancelFunc

	index, count int          // this loop's place among the server's
	handler      conn.Handler // while started, for the hooks
	served       conn.Handler // the handler Run was given (wrapped), for OnDrain
	drain        drainState   // a graceful shutdown's state (drain.go)

	stats    stats
	sleeping bool // PrepareSleep allowed a blocking wait

	// The memory budget (see Budget): held is exact, published is what
	// the shared total has of it.
	budget         *Budget
	budgetIdx      int
	held           int
	published      int
	all            Table[*Core] // every open connection, all[:nall], for the scans
	nall           int
	starved        []*Core // paused for the budget
	nextBudgetScan int64
	overBudget     []*Core
}

// RequestKind says what a Request asks of the loop.
type RequestKind uint8

// The requests other goroutines can make.
const (
	RequestWrite      RequestKind = iota + 1 // AsyncWrite
	RequestWake                              // Wake
	RequestClose                             // Close
	RequestFunc                              // Post; carried out by NextRequest itself
	RequestDialCancel                        // a dial's context ended
)

// Request is a connection method called off the loop, queued for the loop.
type Request struct {
	Kind RequestKind
	Conn *Core
	Data []byte
	Done func(conn.Conn, error)
	Buf  *bytebufferpool.ByteBuffer // AsyncWriteBuffer's, holding Data
	Fn   func()                     // RequestFunc
	// Drop, when set, runs in Fn's place if a RequestFunc is dropped at
	// shutdown (DropRequests), for work that must not vanish unheard: a
	// queued dial tells its handler.
	Drop func()
}

// releaseBuffer returns an AsyncWriteBuffer's buffer to its pool, once
// its bytes are copied into the connection's output or will never be.
func (r *Request) releaseBuffer() {
	if r.Buf != nil {
		bytebufferpool.Put(r.Buf)
		r.Buf = nil
	}
}

var _ conn.Loop = (*Loop)(nil)

// Init prepares l with a configuration (defaults applied) and the engine's
// wake-up, which must make a blocked wait return soon and be safe from any
// goroutine.
func (l *Loop) Init(cfg conn.Config, wake func() error) {
	l.cfg = cfg.WithDefaults()
	l.wake = wake
	l.awake.Store(1)
	l.fresh = true
	l.count = 1
	l.stale = true // read when first needed
	l.resolveStop, l.endResolves = context.WithCancel(context.Background())
}

// SetWriteNow installs the engine's non-blocking write of p to c's socket,
// which returns how many bytes the kernel took (0 when it took none or
// failed: the flush that follows meets the error again and reports it).
// Core.Write then hands a large write to the kernel at once, while nothing
// is queued before it, and queues only what the kernel did not take. An
// engine whose sends complete later (io_uring's) must not install one: the
// caller may reuse p as soon as Write returns. The function runs on the
// loop, from Write.
func (l *Loop) SetWriteNow(f func(c *Core, p []byte) int) { l.writeNow = f }

// Kit returns l itself, so that ServeLoops reaches the kit's loop inside
// an engine's loop type that embeds it.
func (l *Loop) Kit() *Loop { return l }

// Index implements conn.Loop.
func (l *Loop) Index() int { return l.index }

// Count implements conn.Loop.
func (l *Loop) Count() int { return l.count }

// Post implements conn.Loop.
func (l *Loop) Post(f func()) error { return l.post(Request{Kind: RequestFunc, Fn: f}) }

// Config returns the loop's configuration, defaults applied.
func (l *Loop) Config() *conn.Config { return &l.cfg }

func (l *Loop) post(r Request) error {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return conn.ErrServerClosed
	}
	l.queue = append(l.queue, r)
	l.queued.Add(1)
	l.mu.Unlock()
	if l.awake.Swap(1) == 0 {
		return l.wake()
	}
	return nil
}

// PrepareSleep is called just before the engine blocks in the kernel. It
// returns false when requests are already waiting, in which case the engine
// must poll without blocking. After the wait the engine calls Woke.
func (l *Loop) PrepareSleep() bool {
	l.publish() // once per iteration: statistics are one wait old at most
	l.awake.Store(0)
	if l.HasRequests() {
		l.awake.Store(1)
		return false
	}
	l.sleeping = true
	return true
}

// Woke marks the loop running again, and a new turn of the loop's clock
// (which timers are measured from); see PrepareSleep.
func (l *Loop) Woke() {
	l.awake.Store(1)
	l.stale = true
	if l.sleeping {
		l.sleeping = false
		l.stats.own.Wakeups++
	}
}

// RequestsPerIteration bounds the requests NextRequest hands out before it
// reports the end of an iteration's share, so that a backlog of requests on
// one connection delays the I/O of the others by one share at most.
const RequestsPerIteration = 256

// NextRequest returns the next request queued by another goroutine, oldest
// first, and false when this iteration's share is done: the current batch
// ended, or RequestsPerIteration requests were handed out (the rest of the
// batch then comes in the next iteration; HasRequests stays true, so the
// engine polls instead of sleeping). A batch is what was queued when the
// previous one ended, so a handler that keeps posting from the loop cannot
// hold it in one iteration forever. The place in the batch is kept here, not
// by the engine, so a callback that panics loses none of the requests after
// it. Functions given to Post are run here, never handed out; they count
// towards the share. Loop only.
func (l *Loop) NextRequest() (Request, bool) {
	for {
		r, ok := l.nextRequest()
		if !ok || r.Kind != RequestFunc {
			return r, ok
		}
		l.call(nil, r.Fn, nil)
	}
}

func (l *Loop) nextRequest() (Request, bool) {
	if l.ran == RequestsPerIteration {
		l.ran = 0
		return Request{}, false
	}
	if l.next == len(l.batch) {
		if !l.fresh {
			l.fresh = true
			l.ran = 0
			return Request{}, false
		}
		l.fresh = false
		if l.queued.Load() == 0 {
			l.fresh = true
			l.ran = 0
			return Request{}, false
		}
		l.mu.Lock()
		l.batch, l.queue = l.queue, l.batch[:0]
		l.queued.Store(0)
		l.mu.Unlock()
		l.next = 0
	}
	r := l.batch[l.next]
	l.batch[l.next] = Request{}
	l.next++
	l.stats.own.Requests++
	l.ran++
	return r, true
}

// HasRequests reports whether requests wait to be carried out.
func (l *Loop) HasRequests() bool { return l.queued.Load() > 0 || l.next < len(l.batch) }

// RefuseRequests makes later requests fail with conn.ErrServerClosed. At
// shutdown the engine calls it, carries out one iteration's share of what
// was queued before, drops the rest with DropRequests, then finishes its
// connections: a backlog must not hold the shutdown up.
//
// It also ends the name resolutions of dials in progress, and returns once
// each has queued its outcome (which cancellation makes prompt): the
// engine then carries them out or drops them with the rest, and their
// handlers hear conn.ErrServerClosed.
func (l *Loop) RefuseRequests() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	if l.endResolves != nil {
		l.endResolves()
	}
	l.resolving.Wait()
}

// queue1 queues r even once the loop refuses requests: for a dial whose
// resolution RefuseRequests waits for.
func (l *Loop) queue1(r Request) {
	l.mu.Lock()
	l.queue = append(l.queue, r)
	l.queued.Add(1)
	l.mu.Unlock()
	if l.awake.Swap(1) == 0 {
		l.wake()
	}
}

// DropRequests takes every request still queued without carrying it out:
// each AsyncWrite completion runs with conn.ErrServerClosed, functions
// given to Post do not run, and a request's Drop function runs instead
// of its Fn (a queued dial fails with conn.ErrServerClosed). The engine
// calls it at shutdown, after RefuseRequests, until HasRequests is false;
// after a panicking completion the rest are still there. Loop only.
func (l *Loop) DropRequests() {
	for l.HasRequests() {
		r, ok := l.nextRequest() // posted functions are dropped too
		if !ok {
			continue
		}
		if r.Kind == RequestFunc && r.Drop != nil {
			l.call(nil, r.Drop, nil)
			continue
		}
		if r.Kind != RequestWrite {
			continue
		}
		r.Conn.extra().posted.Add(-(int64(len(r.Data)) + requestCost))
		r.releaseBuffer()
		if r.Done != nil {
			r.Done(r.Conn.self, conn.ErrServerClosed)
		}
	}
}

// Do carries out r for handler h and returns the connection it concerned,
// or nil if that connection had already finished. Afterwards the engine
// flushes the connection, and closes it if it is closing.
func (l *Loop) Do(h conn.Handler, r Request) *Core {
	c := r.Conn
	h = c.handler(h)
	if r.Kind == RequestWrite {
		c.extra().posted.Add(-(int64(len(r.Data)) + requestCost))
		c.set(flagAsyncSeen)
	}
	if c.closed() {
		r.releaseBuffer()
		if r.Kind == RequestWrite && r.Done != nil {
			r.Done(c.self, conn.ErrClosed)
		}
		return nil
	}
	switch r.Kind {
	case RequestWrite:
		if len(r.Data) > 0 {
			c.outbound().append(r.Data)
		}
		r.releaseBuffer() // append copied the bytes
		c.queued()
		c.hold(len(r.Data))
		switch {
		case r.Done == nil:
		case c.out.len() == 0: // nothing to wait for: an empty write
			r.Done(c.self, nil)
		default:
			c.out.notes = append(c.out.notes, note{end: c.out.queued, done: r.Done})
		}
		c.publishUnsent()
	case RequestWake:
		if wh, ok := h.(conn.WakeHandler); ok {
			wh.OnWake(c.self)
		}
	case RequestClose:
		c.StartClose(nil)
	case RequestDialCancel:
		c.cancelDial()
	}
	return c
}

// MarkDirty puts c on the list of connections to flush at the end of the
// iteration, once however often it is called. Loop only.
func (l *Loop) MarkDirty(c *Core) {
	if !c.has(flagDirty) {
		c.set(flagDirty)
		l.dirty = append(l.dirty, c)
	}
}

// SetFlush installs the engine's flush of one connection: hand its
// pending output to the kernel and settle what the connection waits for,
// closing it if it is closing with nothing left to send. FlushDirty and
// FlushAfter call it.
func (l *Loop) SetFlush(f func(*Core)) { l.flushOne = f }

// FlushDirty flushes every connection on the flush list, the engine's last
// step of an iteration. Each is taken off before its flush, so that after
// a panicking completion (an AsyncWrite's) the rest are still flushed next
// time; connections finished meanwhile are skipped. Loop only.
func (l *Loop) FlushDirty() {
	for c := l.nextDirtyAfter(0); c != nil; c = l.nextDirtyAfter(0) {
		l.flushOne(c)
	}
}

// DirtyMark returns the length of the flush list, for FlushAfter. Loop
// only.
func (l *Loop) DirtyMark() int { return len(l.dirty) }

// FlushAfter flushes what c's callback wrote, to c or to other connections
// (a proxy's other side), straight after the callback rather than at the
// end of the iteration: by then, behind a batch of other connections'
// reads, their state has left the CPU's cache (at 1,000 echo connections
// the end-of-iteration flush spent most of its time waiting for memory).
// c itself is flushed even when it wrote nothing, which settles what it
// waits for. mark is DirtyMark's answer from before the callback. Loop
// only.
func (l *Loop) FlushAfter(c *Core, mark int) {
	self := false
	for d := l.nextDirtyAfter(mark); d != nil; d = l.nextDirtyAfter(mark) {
		self = self || d == c
		l.flushOne(d)
	}
	if !self && !c.closed() {
		l.flushOne(c)
	}
}

// nextDirtyAfter takes the newest connection added to the flush list
// since its length was mark, skipping finished ones; nil once none is
// left.
func (l *Loop) nextDirtyAfter(mark int) *Core {
	for len(l.dirty) > mark {
		if c := l.popDirty(); !c.closed() {
			return c
		}
	}
	return nil
}

// popDirty takes the newest connection off the flush list.
func (l *Loop) popDirty() *Core {
	c := l.dirty[len(l.dirty)-1]
	l.dirty[len(l.dirty)-1] = nil
	l.dirty = l.dirty[:len(l.dirty)-1]
	c.unset(flagDirty)
	return c
}
