package reference

import (
	"cmp"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/netloop/netloop/conn"
)

// rloop is the reference engine's single loop. Its lock is held by every
// handler callback, of any connection, so callbacks never run at the same
// time, as on a real loop; a goroutine of its own runs posted functions and
// timers, holding the lock too.
type rloop struct {
	mu sync.Mutex // held by every callback
	h  conn.Handler

	adopt func(net.Conn, conn.Handler) bool // serves a dialled connection; set by Serve

	// Dials in progress (dial.go): stopDials ends them at shutdown;
	// dialsOff, under qmu, refuses new ones.
	dials     sync.WaitGroup
	stopDials chan struct{}
	dialsOff  bool

	dialTimeout time.Duration // Config.DialTimeout
	dialOnly    bool          // a client's loop: every dial needs a handler

	// Guarded by mu.
	timers []*rtimer // armed, sorted by (when, seq)
	seq    uint64

	qmu     sync.Mutex
	queue   []func()
	stopped bool

	signal chan struct{} // something was posted or a timer set
	quit   chan struct{}
	done   chan struct{}
}

// rtimer is a timer of the reference loop; its methods run under mu.
type rtimer struct {
	l     *rloop
	when  time.Time
	seq   uint64
	armed bool
	f     func()
	cf    func(conn.Conn)
	c     *rconn
}

var (
	_ conn.Loop  = (*rloop)(nil)
	_ conn.Timer = (*rtimer)(nil)
)

func newLoop(h conn.Handler) *rloop {
	return &rloop{h: h, stopDials: make(chan struct{}), signal: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// start calls OnLoopStart, starts the ticks and the loop's goroutine.
func (l *rloop) start() {
	l.mu.Lock()
	if lh, ok := l.h.(conn.LoopHandler); ok {
		l.guard(func() { lh.OnLoopStart(l) })
	}
	if th, ok := l.h.(conn.TickHandler); ok {
		tick := &rtimer{l: l}
		tick.f = func() {
			if d := th.OnTick(l); d > 0 {
				tick.Reset(d)
			}
		}
		tick.Reset(0)
	}
	l.mu.Unlock()
	go l.run()
}

// stop ends the loop's goroutine, drops pending timers and calls
// OnLoopStop; every connection has finished.
func (l *rloop) stop() {
	l.qmu.Lock()
	l.stopped = true
	l.qmu.Unlock()
	close(l.quit)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, t := range l.timers {
		t.armed = false
	}
	l.timers = nil
	if lh, ok := l.h.(conn.LoopHandler); ok {
		l.guard(func() { lh.OnLoopStop(l) })
	}
}

func (l *rloop) run() {
	defer close(l.done)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		l.mu.Lock()
		l.qmu.Lock()
		q := l.queue
		l.queue = nil
		l.qmu.Unlock()
		for _, f := range q {
			l.guard(f)
		}
		next := l.runDue()
		l.mu.Unlock()
		if next >= 0 {
			t.Reset(next)
		}
		select {
		case <-l.signal:
		case <-t.C:
		case <-l.quit:
			return
		}
	}
}

// runDue runs the timers that are due, in order, and returns how long
// until the next, or -1. Timers set meanwhile wait for the next call.
func (l *rloop) runDue() time.Duration {
	now := time.Now()
	last := l.seq
	for len(l.timers) > 0 {
		t := l.timers[0]
		if t.when.After(now) || t.seq > last {
			break
		}
		l.timers = l.timers[1:]
		t.armed = false
		switch {
		case t.c == nil:
			l.guard(t.f)
		case !t.c.dead:
			c := t.c
			l.guard(func() {
				defer func() {
					if r := recover(); r != nil {
						c.post(event{kind: evAbort, err: fmt.Errorf("%w: %v", conn.ErrHandlerPanic, r)})
					}
				}()
				t.cf(c)
			})
		}
	}
	if len(l.timers) == 0 {
		return -1
	}
	return max(time.Until(l.timers[0].when), 0)
}

// guard runs f, dropping a panic: the reference engine has no logger.
func (l *rloop) guard(f func()) {
	defer func() { recover() }()
	f()
}

func (l *rloop) poke() {
	select {
	case l.signal <- struct{}{}:
	default:
	}
}

// Index implements conn.Loop: there is only one loop.
func (l *rloop) Index() int { return 0 }

// Count implements conn.Loop.
func (l *rloop) Count() int { return 1 }

// Post implements conn.Loop.
func (l *rloop) Post(f func()) error {
	l.qmu.Lock()
	if l.stopped {
		l.qmu.Unlock()
		return conn.ErrServerClosed
	}
	l.queue = append(l.queue, f)
	l.qmu.Unlock()
	l.poke()
	return nil
}

// AfterFunc implements conn.Loop.
func (l *rloop) AfterFunc(d time.Duration, f func()) conn.Timer {
	t := &rtimer{l: l, f: f}
	t.Reset(d)
	return t
}

// Stop implements conn.Timer.
func (t *rtimer) Stop() bool {
	if !t.armed {
		return false
	}
	t.l.timers = slices.DeleteFunc(t.l.timers, func(u *rtimer) bool { return u == t })
	t.armed = false
	return true
}

// Reset implements conn.Timer.
func (t *rtimer) Reset(d time.Duration) bool {
	if t.c != nil && t.c.dead {
		return false
	}
	was := t.Stop()
	l := t.l
	l.seq++
	t.when, t.seq, t.armed = time.Now().Add(max(d, 0)), l.seq, true
	i, _ := slices.BinarySearchFunc(l.timers, t, func(a, b *rtimer) int {
		if c := a.when.Compare(b.when); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	l.timers = slices.Insert(l.timers, i, t)
	l.poke()
	return was
}

// dropTimers disarms c's timers; c has finished.
func (l *rloop) dropTimers(c *rconn) {
	l.timers = slices.DeleteFunc(l.timers, func(t *rtimer) bool {
		if t.c == c {
			t.armed = false
			return true
		}
		return false
	})
}

// AfterFunc implements conn.Conn.
func (c *rconn) AfterFunc(d time.Duration, f func(conn.Conn)) conn.Timer {
	t := &rtimer{l: c.loop, cf: f, c: c}
	t.Reset(d)
	return t
}

// Loop implements conn.Conn.
func (c *rconn) Loop() conn.Loop { return c.loop }

// SetReadIdleTimeout implements conn.Conn: the reader sets a read deadline
// before each read.
func (c *rconn) SetReadIdleTimeout(d time.Duration) error {
	if c.closed.Load() {
		return conn.ErrClosed
	}
	c.idle.Store(int64(max(d, 0)))
	if d > 0 {
		return c.nc.SetReadDeadline(time.Now().Add(d))
	}
	return c.nc.SetReadDeadline(time.Time{})
}

// SetWriteStallTimeout implements conn.Conn: the writer sets a write
// deadline before each chunk it writes.
func (c *rconn) SetWriteStallTimeout(d time.Duration) error {
	if c.closed.Load() {
		return conn.ErrClosed
	}
	c.stall.Store(int64(max(d, 0)))
	return nil
}
