package engine

import (
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
)

// Begin calls h's OnLoopStart, if h is a conn.LoopHandler, and sets up the
// first tick, if h is a conn.TickHandler; ServeLoops calls it on the loop's
// goroutine before Run, for every loop before any loop runs.
func (l *Loop) Begin(h conn.Handler) {
	l.handler = h
	l.stale = true // the server may have been created long ago
	if lh, ok := h.(conn.LoopHandler); ok {
		l.hook(func() { lh.OnLoopStart(l) })
	}
	if _, ok := h.(conn.TickHandler); ok {
		l.ticker = timer{loop: l, kind: timerTick}
		l.arm(&l.ticker, l.clock())
	}
}

// End calls h's OnLoopStop, if h is a conn.LoopHandler, after dropping
// the timers still pending; ServeLoops calls it on the loop's goroutine
// once Run has returned. The engine must have refused requests already
// (RefuseRequests), so that nothing posted after this runs.
func (l *Loop) End(h conn.Handler) {
	for _, t := range l.heap {
		t.pos = 0
	}
	clear(l.heap)
	l.heap = l.heap[:0]
	l.RefuseRequests()
	if lh, ok := h.(conn.LoopHandler); ok {
		l.hook(func() { lh.OnLoopStop(l) })
	}
	l.handler = nil
}

// tick makes one OnTick call and sets the next.
func (l *Loop) tick() {
	th, ok := l.handler.(conn.TickHandler)
	if !ok {
		return
	}
	var next time.Duration
	l.call(nil, func() { next = th.OnTick(l) }, nil)
	if next > 0 {
		l.arm(&l.ticker, l.now+int64(next))
	}
}

// hook runs a loop hook, logging a panic rather than losing the loop.
func (l *Loop) hook(f func()) {
	defer func() {
		if r := recover(); r != nil {
			l.cfg.Logger.Error("netloop: panic in a loop hook recovered",
				zap.Int("loop", l.index), zap.Any("panic", r), zap.StackSkip("stack", 2))
		}
	}()
	f()
}
