package engine

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
)

// AcceptStopper is implemented by an engine's loop that can stop
// accepting while it goes on serving its connections: StopAccepting
// closes the loop's listening descriptor (so that new connections are
// refused once no other process holds the socket) and never accepts
// again. It runs on the loop's goroutine. A graceful shutdown calls it
// first on every loop; a loop that is not one keeps accepting until the
// hard stop, and the connections it accepts meanwhile are drained too.
// Loops that share one listener (an engine with a single acceptor) close
// it on the first call and do nothing on the others.
type AcceptStopper interface {
	StopAccepting()
}

// drain is a loop's part of a graceful shutdown.
type drainState struct {
	active bool
	done   func() // tells Shutdown this loop has no connections left
	scan   []*Core
}

// startDrain runs on the loop (posted by Shutdown): it stops the accepts,
// tells every open connection's handler, and reports done once the loop
// has no connection left, which may be at once.
func (l *Loop) startDrain(stop func(), done func()) {
	if l.drain.active {
		return
	}
	l.drain.active = true
	l.draining.Store(true) // before checkDrained reads incoming: see HandOff
	l.drain.done = done
	if stop != nil {
		l.hook(stop)
	}
	l.drain.scan = l.drain.scan[:0]
	for i := range l.nall {
		l.drain.scan = append(l.drain.scan, l.all.Get(i))
	}
	for i, c := range l.drain.scan {
		l.drain.scan[i] = nil
		l.tellDrain(c)
	}
	l.checkDrained()
}

// tellDrain calls OnDrain for c, if its handler (a dialled connection's
// own, else the server's) is a conn.DrainHandler and c is still open.
func (l *Loop) tellDrain(c *Core) {
	dh, ok := c.handler(l.served).(conn.DrainHandler) // a dialled connection's own, else the server's
	if !ok || c.closed() || c.has(flagDrainTold) {
		return // a connection opened by StopAccepting is in both lists
	}
	c.set(flagDrainTold)
	l.call(c, func() { dh.OnDrain(c.self) }, nil)
}

// opened is called for each new connection, before its OnOpen: on a
// draining loop (a proactor's accept completion already queued, say) the
// connection is told to drain just after OnOpen, by a posted function.
func (l *Loop) opened(c *Core) {
	if l.drain.active {
		l.post(Request{Kind: RequestFunc, Fn: func() { l.tellDrain(c) }})
	}
}

// checkDrained reports the end of the loop's drain once its last
// connection has finished and none is on its way: handed over by another
// loop (HandOff) or held for (HoldDrain).
func (l *Loop) checkDrained() {
	if l.drain.active && l.drain.done != nil && l.stats.own.Open == 0 && l.incoming.Load() == 0 {
		done := l.drain.done
		l.drain.done = nil
		done()
	}
}

// HoldDrain keeps the loop's drain from ending until a matching
// ReleaseDrain, for connections the engine may still open: accepts the
// kernel completed before it saw their cancellation, say. Loop only.
func (l *Loop) HoldDrain() { l.incoming.Add(1) }

// ReleaseDrain ends a HoldDrain, and the drain with it if that was all it
// waited for. Loop only.
func (l *Loop) ReleaseDrain() {
	l.incoming.Add(-1)
	l.checkDrained()
}

// Draining reports whether the loop is draining: it accepts no more and
// its handlers have been told. Loop only.
func (l *Loop) Draining() bool { return l.drain.active }

// Shutdown drains the server gracefully; see conn.Shutdowner. It stops
// the accepts of every loop at once (each loop's AcceptStopper, on its
// goroutine), calls OnDrain for every open connection whose handler is a
// conn.DrainHandler, and waits until every connection has finished or ctx
// is done. Then it stops the loops as a cancellation of Serve's context
// does, closing what remains with conn.ErrServerClosed, and returns once
// Serve has returned: nil if every connection finished in time, ctx's
// error if not. Called before Serve, it makes Serve return at once;
// called again, it waits as the first call does.
func (s *LoopServer[R]) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	first := !s.shutdown
	s.shutdown = true
	cancel := s.cancel
	s.mu.Unlock()
	if cancel == nil { // not serving (yet): Serve will return at once
		return nil
	}
	start := time.Now()
	before := s.Stats().Total().Open
	drained := make(chan struct{}, len(s.loops))
	for _, l := range s.loops {
		var stop func()
		if a, ok := any(l).(AcceptStopper); ok {
			stop = a.StopAccepting
		}
		k := l.Kit()
		if k.Post(func() { k.startDrain(stop, func() { drained <- struct{}{} }) }) != nil {
			drained <- struct{}{} // stopped already: nothing to drain there
		}
	}
	if first { // every loop has the drain queued
		s.log.Info("netloop: drain started", zap.Stringer("engine", s.engine), s.addrField(),
			zap.Int64("open", before))
	}
	var err error
	pending := len(s.loops)
wait:
	for ; pending > 0; pending-- {
		select {
		case <-drained:
		case <-ctx.Done():
			err = ctx.Err()
			break wait
		case <-s.done: // a loop failed, or Serve's context ended
			break wait
		}
	}
	// Every loop that reported drained has no connection left, whatever
	// its statistics, which may be an iteration old, still say.
	var left int64
	if pending > 0 {
		left = s.Stats().Total().Open
	}
	cancel()
	<-s.done
	if first {
		s.log.Info("netloop: drain ended", zap.Stringer("engine", s.engine), s.addrField(),
			zap.Int64("open", before), zap.Int64("closed_at_deadline", left),
			zap.Duration("took", time.Since(start)), zap.Error(err))
	}
	return err
}
