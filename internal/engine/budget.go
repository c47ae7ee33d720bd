package engine

import (
	"sync/atomic"
	"time"

	"github.com/netloop/netloop/conn"
)

// Budget is a server's memory budget (conn.Config.MemoryBudget), shared by
// its loops: the bytes all its connections hold, queued output and
// unconsumed input. Each loop keeps an exact count of its own connections'
// bytes in a plain field, and adds the change to the shared total once per
// iteration, in OverBudget, so the hot path pays no atomic operation.
//
// Past the soft limit (three quarters of the budget) a loop stops reading
// from its largest holders until the total falls back under seven eighths
// of the soft limit; past the budget itself the loop whose largest holder
// is the server's largest closes it with conn.ErrMemoryBudget.
type Budget struct {
	soft, hard int64
	total      atomic.Int64
	worst      []atomic.Int64 // per loop: its largest holder, while over the soft limit
	loops      atomic.Int32   // loops sharing the budget
}

// budgetScan is how often a loop over the soft limit looks for its largest
// holders.
const budgetScan = 10 * time.Millisecond

// minStarve is the least a connection must hold to be paused for the
// budget: pausing small holders frees little and stalls many.
const minStarve = 64 << 10

// NewBudget returns the budget for a server of cfg.Loops loops. A
// negative cfg.MemoryBudget means none.
func NewBudget(cfg conn.Config) *Budget {
	cfg = cfg.WithDefaults()
	b := &Budget{worst: make([]atomic.Int64, cfg.Loops)}
	if cfg.MemoryBudget > 0 {
		b.hard = int64(cfg.MemoryBudget)
		b.soft = b.hard - b.hard/4
	}
	return b
}

// Total returns the bytes the server's connections held at the end of
// their loops' last iterations.
func (b *Budget) Total() int64 { return b.total.Load() }

// ShareBudget makes l count its connections' bytes against b, the budget
// of its whole server. The engine calls it after Init, before the loop
// runs, once for each of the server's loops. A loop that never shares a
// budget counts nothing and enforces none: its connections touch no state
// of the loop when they write or read.
func (l *Loop) ShareBudget(b *Budget) {
	if i := int(b.loops.Add(1)) - 1; i < len(b.worst) {
		l.budget, l.budgetIdx = b, i
	}
}

// track registers c with its loop, for the budget's scans and a drain.
func (l *Loop) track(c *Core) {
	c.idx = int32(l.nall)
	l.all.Set(l.nall, c)
	l.nall++
}

// untrack removes c, which is finishing, from its loop.
func (l *Loop) untrack(c *Core) {
	l.nall--
	last := l.all.Get(l.nall)
	l.all.Set(int(c.idx), last)
	last.idx = c.idx
	l.all.Set(l.nall, nil)
}

// hold counts n more bytes (fewer if negative) held by c's loop.
func (c *Core) hold(n int) {
	if c.loop.budget != nil {
		c.loop.held += n
	}
}

// held is what c holds against the budget.
func (c *Core) held() int { return c.in.len() + c.out.len() }

// OverBudget publishes the change in the bytes the loop's connections hold
// to the server's budget and enforces the budget: over the soft limit it
// pauses reading from the loop's largest holders (marking them dirty, so
// that the engine's flush sees OverHighWater), under it again it resumes
// them, and over the hard limit it returns the server's largest holder if
// it is on this loop; the engine closes each connection returned with
// conn.ErrMemoryBudget. The slice is valid until the next call. The
// engine calls it once per iteration, before flushing. Loop only.
func (l *Loop) OverBudget() []*Core {
	b := l.budget
	if b == nil {
		return nil
	}
	if d := l.held - l.published; d != 0 {
		b.total.Add(int64(d))
		l.published = l.held
	}
	clear(l.overBudget)
	l.overBudget = l.overBudget[:0]
	if b.hard <= 0 {
		return nil
	}
	total := b.total.Load()
	if total <= b.soft {
		if len(l.starved) > 0 && total <= b.soft-b.soft/8 {
			for _, c := range l.starved {
				c.unset(flagStarved)
				if !c.closed() {
					l.MarkDirty(c)
				}
			}
			clear(l.starved)
			l.starved = l.starved[:0]
			b.worst[l.budgetIdx].Store(0)
		}
		return nil
	}
	now := time.Now().UnixNano()
	if now < l.nextBudgetScan {
		return nil
	}
	l.nextBudgetScan = now + int64(budgetScan)
	var worst *Core
	most := 0
	for i := range l.nall {
		c := l.all.Get(i)
		if h := c.held(); h > most {
			worst, most = c, h
		}
	}
	b.worst[l.budgetIdx].Store(int64(most))
	for i := range l.nall {
		c := l.all.Get(i)
		if !c.has(flagStarved) && c.held() >= max(most/2, minStarve) {
			c.set(flagStarved)
			l.starved = append(l.starved, c)
			l.MarkDirty(c)
		}
	}
	if total > b.hard && worst != nil && most >= l.largestElsewhere() {
		l.overBudget = append(l.overBudget, worst)
		b.worst[l.budgetIdx].Store(0)
	}
	return l.overBudget
}

// largestElsewhere is the largest holder other loops last reported.
func (l *Loop) largestElsewhere() int {
	m := int64(0)
	for i := range l.budget.worst {
		if i != l.budgetIdx {
			m = max(m, l.budget.worst[i].Load())
		}
	}
	return int(m)
}
