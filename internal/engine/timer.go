package engine

import (
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
)

// Timers live in one 4-ary min-heap per loop, ordered by when they are due
// and, among timers due at the same instant, by the order they were set. A
// heap rather than a wheel because its cost depends only on the number of
// armed timers (O(log n) to set, move or stop one; O(1) to learn the next
// due time), with no tick to turn while nothing is due, so an idle loop
// sleeps until exactly the next timer. Four children per node make the
// heap shallower than a binary one and keep a node's children on one or two
// cache lines, which is what sifting at 100,000 timers pays for.
//
// A connection's own timers (deadline, read idle, write stall) are values
// in one out-of-line block (connTimers), allocated when the first is set,
// so setting them again allocates nothing and a connection that sets none
// does not carry them. The read-idle and
// write-stall timers are not moved on every read or write: each read or
// send only stamps the connection with the loop's clock, and when the timer
// comes due it either expires the connection or re-arms itself for the
// time the stamp implies. A busy connection thus costs its timer one heap
// operation per timeout period, not one per read.
//
// The loop's clock is read at most once per iteration, when something first
// needs it, and again when timers are run; timers are measured from it, as
// libuv measures from uv_now, so setting many costs one clock reading, and
// a loop that uses no timers reads no clock at all.

// timerKind says what a timer does when it fires.
type timerKind uint8

const (
	timerFunc       timerKind = iota // Loop.AfterFunc
	timerConn                        // Conn.AfterFunc
	timerTick                        // the TickHandler's ticks
	timerDeadline                    // Conn.SetDeadline
	timerReadIdle                    // Conn.SetReadIdleTimeout
	timerWriteStall                  // Conn.SetWriteStallTimeout
	timerDial                        // a dial's deadline (dial.go)
)

// timer is one entry of a loop's heap. It implements conn.Timer for the
// timers handlers set.
type timer struct {
	loop *Loop
	when int64  // due time on the loop's clock
	seq  uint64 // when it was set, to order timers due at the same time
	pos  int32  // index in loop.heap plus one; 0 while not armed
	kind timerKind

	c  *Core           // the connection of a connection's timer
	f  func()          // timerFunc
	cf func(conn.Conn) // timerConn

	// A connection's handler timers are linked while armed, so that
	// Finish can take them out of the heap.
	prev, next *timer
}

var _ conn.Timer = (*timer)(nil)

// epoch is the origin of every loop's clock.
var epoch = time.Now()

// monotime reads the monotonic clock, in nanoseconds since epoch.
func monotime() int64 { return int64(time.Since(epoch)) }

// clock returns the loop's clock, reading it if this iteration has not.
func (l *Loop) clock() int64 {
	if l.stale {
		l.now = monotime()
		l.stale = false
	}
	return l.now
}

// Stop implements conn.Timer.
func (t *timer) Stop() bool {
	if t.pos == 0 {
		return false
	}
	t.loop.disarm(t)
	if t.c != nil {
		t.c.unlinkTimer(t)
	}
	return true
}

// Reset implements conn.Timer.
func (t *timer) Reset(d time.Duration) bool {
	if t.c != nil && t.c.closed() {
		return false
	}
	was := t.pos != 0
	t.loop.arm(t, t.loop.clock()+int64(max(d, 0)))
	if t.c != nil && !was {
		t.c.linkTimer(t)
	}
	return was
}

// AfterFunc implements conn.Loop.
func (l *Loop) AfterFunc(d time.Duration, f func()) conn.Timer {
	t := &timer{loop: l, kind: timerFunc, f: f}
	l.arm(t, l.clock()+int64(max(d, 0)))
	return t
}

// AfterFunc implements conn.Conn.
func (c *Core) AfterFunc(d time.Duration, f func(conn.Conn)) conn.Timer {
	t := &timer{loop: c.loop, kind: timerConn, c: c, cf: f}
	if c.closed() {
		return t // never armed: a closed connection's timers never fire
	}
	c.loop.arm(t, c.loop.clock()+int64(max(d, 0)))
	c.linkTimer(t)
	return t
}

// SetDeadline implements conn.Conn.
//
// The deadline timer only ever moves earlier. A later deadline, or none,
// is recorded and the timer left where it is; when it comes due it expires
// the connection, re-arms itself for the deadline now set, or, if none is,
// goes. A server that pushes its deadline on every request (an HTTP idle or
// header timeout, say) thus costs the heap one operation per timeout
// period, not one per request.
func (c *Core) SetDeadline(t time.Time) error {
	if c.closed() {
		return conn.ErrClosed
	}
	if t.IsZero() {
		if ct := c.timers(); ct != nil {
			ct.deadlineAt = 0
		}
		return nil
	}
	ct := c.timersFor()
	c.initTimer(&ct.deadline, timerDeadline)
	// Sub uses the monotonic readings when t has one, as a time from
	// time.Now().Add does. 0 means no deadline, so the earliest is 1.
	ct.deadlineAt = max(int64(t.Sub(epoch)), 1)
	if ct.deadline.pos == 0 || ct.deadlineAt < ct.deadline.when {
		c.loop.arm(&ct.deadline, ct.deadlineAt)
	}
	return nil
}

// SetReadIdleTimeout implements conn.Conn.
func (c *Core) SetReadIdleTimeout(d time.Duration) error {
	if c.closed() {
		return conn.ErrClosed
	}
	if d <= 0 {
		if ct := c.timers(); ct != nil {
			ct.idleFor = 0
			c.loop.disarm(&ct.idle)
		}
		return nil
	}
	ct := c.timersFor()
	ct.idleFor = int64(d)
	ct.lastIn = c.loop.clock()
	c.initTimer(&ct.idle, timerReadIdle)
	c.loop.arm(&ct.idle, ct.lastIn+ct.idleFor)
	return nil
}

// SetWriteStallTimeout implements conn.Conn.
func (c *Core) SetWriteStallTimeout(d time.Duration) error {
	if c.closed() {
		return conn.ErrClosed
	}
	if d <= 0 {
		if ct := c.timers(); ct != nil {
			ct.stallFor = 0
			c.loop.disarm(&ct.stall)
		}
		return nil
	}
	ct := c.timersFor()
	ct.stallFor = int64(d)
	c.initTimer(&ct.stall, timerWriteStall)
	c.loop.disarm(&ct.stall)
	c.queued()
	return nil
}

// queued starts the write-stall clock when output is waiting and it is not
// running yet. Called wherever output is queued.
func (c *Core) queued() {
	if ct := c.timers(); ct != nil && ct.stallFor > 0 && ct.stall.pos == 0 && c.out.len() > 0 {
		ct.lastOut = c.loop.clock()
		c.loop.arm(&ct.stall, ct.lastOut+ct.stallFor)
	}
}

// TimedOut returns why a connection that RunTimers returned must close:
// os.ErrDeadlineExceeded, conn.ErrReadIdle, conn.ErrWriteStall, or
// conn.ErrHandlerPanic for a timer function that panicked.
func (c *Core) TimedOut() error {
	if x := c.x.Load(); x != nil {
		return x.timedOut
	}
	return nil
}

// connTimers are a connection's built-in timers: its deadline, read idle
// timeout and write stall timeout, with what they measure from.
// deadlineAt is the deadline set, on the loop's clock (0: none); lastIn
// and lastOut are the loop's clock at the last read and the last progress
// of output; idleFor and stallFor are the timeouts in nanoseconds, 0 when
// unset.
type connTimers struct {
	deadline, idle, stall timer
	deadlineAt            int64
	idleFor, stallFor     int64
	lastIn, lastOut       int64
}

// timers returns c's built-in timers, or nil if none was ever set.
func (c *Core) timers() *connTimers {
	if x := c.x.Load(); x != nil {
		return x.ct
	}
	return nil
}

// timersFor returns c's built-in timers, allocating them on first use.
func (c *Core) timersFor() *connTimers {
	x := c.extra()
	if x.ct == nil {
		x.ct = new(connTimers)
	}
	return x.ct
}

func (c *Core) initTimer(t *timer, kind timerKind) {
	t.loop, t.c, t.kind = c.loop, c, kind
}

func (c *Core) linkTimer(t *timer) {
	x := c.extra()
	t.prev, t.next = nil, x.timers
	if x.timers != nil {
		x.timers.prev = t
	}
	x.timers = t
}

func (c *Core) unlinkTimer(t *timer) {
	if t.prev != nil {
		t.prev.next = t.next
	} else if x := c.x.Load(); x != nil && x.timers == t {
		x.timers = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	}
	t.prev, t.next = nil, nil
}

// stopTimers takes every timer of a finishing connection out of the heap.
func (c *Core) stopTimers() {
	x := c.x.Load()
	if x == nil {
		return
	}
	l := c.loop
	if ct := x.ct; ct != nil {
		l.disarm(&ct.deadline)
		l.disarm(&ct.idle)
		l.disarm(&ct.stall)
	}
	for t := x.timers; t != nil; {
		next := t.next
		l.disarm(t)
		t.prev, t.next = nil, nil
		t = next
	}
	x.timers = nil
}

// RunTimers runs the timers that are due and returns the connections that
// a timer expired; the engine closes each at once, without flushing, with
// the cause Core.TimedOut gives. Timers set while they run wait for the
// next call, so a timer that sets itself again cannot hold the loop. A
// panicking timer function is logged; if it was a connection's, that
// connection is among those returned. The slice is valid until the next
// call. Loop only: the engine calls it once per iteration, after the
// requests, before flushing (what timer functions write is flushed then).
func (l *Loop) RunTimers() []*Core {
	clear(l.expired)
	l.expired = l.expired[:0]
	if len(l.heap) == 0 {
		return nil
	}
	l.now, l.stale = monotime(), false
	last := l.seq
	for len(l.heap) > 0 {
		t := l.heap[0]
		if t.when > l.now || t.seq > last {
			break
		}
		l.disarm(t)
		l.fire(t)
	}
	return l.expired
}

// WaitTimeout returns how long the engine may block, in milliseconds
// rounded up, so that the next timer fires in time: -1 when none is set.
func (l *Loop) WaitTimeout() int {
	if len(l.heap) == 0 {
		return -1
	}
	d := l.heap[0].when - l.clock()
	if d <= 0 {
		return 0
	}
	return int((d + int64(time.Millisecond) - 1) / int64(time.Millisecond))
}

// fire carries out a timer that came due; it is already out of the heap.
func (l *Loop) fire(t *timer) {
	c := t.c
	switch t.kind {
	case timerFunc:
		l.call(nil, t.f, nil)
	case timerTick:
		l.tick()
	case timerConn:
		c.unlinkTimer(t)
		if !c.closed() {
			l.call(c, nil, t.cf)
		}
	case timerDeadline:
		switch at := c.timers().deadlineAt; {
		case at == 0:
			// Cleared since the timer was armed.
		case at > l.now:
			l.arm(t, at) // pushed back since
		default:
			l.expire(c, os.ErrDeadlineExceeded)
		}
	case timerDial:
		l.expire(c, os.ErrDeadlineExceeded) // Connected disarms it
	case timerReadIdle:
		ct := c.timers()
		switch {
		case c.has(flagPaused):
			// Not reading is our doing: the peer is not idle.
			ct.lastIn = l.now
			l.arm(t, l.now+ct.idleFor)
		case l.now-ct.lastIn >= ct.idleFor:
			l.expire(c, conn.ErrReadIdle)
		default:
			l.arm(t, ct.lastIn+ct.idleFor)
		}
	case timerWriteStall:
		ct := c.timers()
		switch {
		case c.out.len() == 0:
			// Nothing waits: the clock starts again with the next
			// output (queued).
		case l.now-ct.lastOut >= ct.stallFor:
			l.expire(c, conn.ErrWriteStall)
		default:
			l.arm(t, ct.lastOut+ct.stallFor)
		}
	}
}

// call runs a timer's or a posted function on the loop: cf with c's
// connection, or f. A panic is logged and, for a connection's function,
// expires that connection, as a panicking callback closes its connection.
func (l *Loop) call(c *Core, f func(), cf func(conn.Conn)) {
	defer func() {
		if r := recover(); r != nil {
			l.cfg.Logger.Error("netloop: panic in a timer or posted function recovered",
				zap.Int("loop", l.index), zap.Any("panic", r), zap.StackSkip("stack", 2))
			if c != nil {
				l.expire(c, fmt.Errorf("%w: %v", conn.ErrHandlerPanic, r))
			}
		}
	}()
	if cf != nil {
		cf(c.self)
		return
	}
	f()
}

// expire hands c to the engine to close with cause.
func (l *Loop) expire(c *Core, cause error) {
	x := c.extra()
	if c.closed() || x.timedOut != nil {
		return
	}
	x.timedOut = cause
	l.expired = append(l.expired, c)
}

// arm sets t to fire at when, moving it if it is armed already.
func (l *Loop) arm(t *timer, when int64) {
	t.when = when
	l.seq++
	t.seq = l.seq
	if t.pos == 0 {
		l.heap = append(l.heap, t)
		t.pos = int32(len(l.heap))
		l.up(len(l.heap) - 1)
		return
	}
	i := int(t.pos - 1)
	if !l.up(i) {
		l.down(i)
	}
}

// disarm takes t out of the heap if it is there.
func (l *Loop) disarm(t *timer) {
	if t.pos == 0 {
		return
	}
	i := int(t.pos - 1)
	last := len(l.heap) - 1
	if i != last {
		l.swap(i, last)
	}
	l.heap[last] = nil
	l.heap = l.heap[:last]
	t.pos = 0
	if i != last && !l.up(i) {
		l.down(i)
	}
}

func before(a, b *timer) bool { return a.when < b.when || a.when == b.when && a.seq < b.seq }

func (l *Loop) swap(i, j int) {
	h := l.heap
	h[i], h[j] = h[j], h[i]
	h[i].pos = int32(i + 1)
	h[j].pos = int32(j + 1)
}

// up sifts heap[i] towards the root and reports whether it moved.
func (l *Loop) up(i int) bool {
	moved := false
	for i > 0 {
		p := (i - 1) / 4
		if !before(l.heap[i], l.heap[p]) {
			break
		}
		l.swap(i, p)
		i = p
		moved = true
	}
	return moved
}

// down sifts heap[i] towards the leaves.
func (l *Loop) down(i int) {
	h := l.heap
	n := len(h)
	for {
		first := 4*i + 1
		if first >= n {
			return
		}
		m := first
		for j := first + 1; j < first+4 && j < n; j++ {
			if before(h[j], h[m]) {
				m = j
			}
		}
		if !before(h[m], h[i]) {
			return
		}
		l.swap(i, m)
		i = m
	}
}
