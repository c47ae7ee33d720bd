package engine

import (
	"context"
	"errors"
	"github.com/netloop/netloop/conn"
	"net"
	"sync"
	"sync/atomic"
)

// Runner is one event loop of an engine, as ServeLoops drives it.
type Runner interface {
	// Run serves h on the calling goroutine until Stop is called or the
	// loop fails, shuts the loop down (every connection finished), and
	// returns the failure, if any.
	Run(h conn.Handler) error
	// Stop asks Run to return. Safe from any goroutine.
	Stop()

	// Kit returns the kit's loop the engine's loop embeds (a method
	// the embedding provides).
	Kit() *Loop
}

// LoopServer is the Server of an engine: loops that share one address,
// each with its own listener. Engines embed it in their Server type.
type LoopServer[R Runner] struct {
	addr   net.Addr
	loops  []R
	served atomic.Bool
}

// NewLoopServer returns the server of loops listening on addr.
func NewLoopServer[R Runner](addr net.Addr, loops []R) *LoopServer[R] {
	return &LoopServer[R]{addr: addr, loops: loops}
}

// Addr returns the address the server listens on.
func (s *LoopServer[R]) Addr() net.Addr { return s.addr }

// Loops returns the server's loops.
func (s *LoopServer[R]) Loops() []R { return s.loops }

// Serve runs every loop with h until ctx is cancelled or a loop fails, then
// shuts all loops down (each open connection gets OnClose with
// conn.ErrServerClosed) and returns. The error is nil after a cancellation.
func (s *LoopServer[R]) Serve(ctx context.Context, h conn.Handler) error {
	if !s.served.CompareAndSwap(false, true) {
		return errors.New("netloop: Serve called twice")
	}
	return ServeLoops(ctx, h, s.loops)
}

// ServeLoops runs each loop on its own goroutine with h until ctx is
// cancelled or one loop fails, then stops them all and waits for every
// Run to return. It returns the first failure, or nil after a
// cancellation: the body of an engine's Server.Serve. Each loop learns its
// index here, and the handler's loop hooks run here, on the loop's
// goroutine: OnLoopStart of every loop before any loop runs, OnLoopStop of
// each after its Run returns.
func ServeLoops[R Runner](ctx context.Context, h conn.Handler, loops []R) error {
	var wg, started sync.WaitGroup
	failed := make(chan error, len(loops))
	started.Add(len(loops))
	for i, l := range loops {
		k := l.Kit()
		k.index, k.count = i, len(loops)
	}
	for _, l := range loops {
		wg.Go(func() {
			k := l.Kit()
			k.Begin(h)
			started.Done()
			started.Wait()
			if err := l.Run(h); err != nil {
				failed <- err
			}
			k.End(h)
		})
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-failed:
	}
	for _, l := range loops {
		l.Stop()
	}
	wg.Wait()
	return err
}

// Iterate calls iterate until stopping is set or iterate fails. A panic
// inside an iteration (a handler's, since the engine's own code does not
// panic) is handed to recovered, which closes the connection whose
// callback panicked and returns nil to go on, or returns an error to stop
// the loop for good. The engine's loop goroutine calls Iterate between
// locking its thread and shutting down.
func Iterate(stopping *atomic.Bool, iterate func() error, recovered func(r any) error) error {
	for {
		done, err := iterateRecovering(stopping, iterate, recovered)
		if done {
			return err
		}
	}
}

func iterateRecovering(stopping *atomic.Bool, iterate func() error, recovered func(any) error) (done bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = recovered(r)
			done = err != nil
		}
	}()
	for !stopping.Load() {
		if err := iterate(); err != nil {
			return true, err
		}
	}
	return true, nil
}

// Safely runs f, handing a panic to recovered as Iterate does. Engines use
// it for the callbacks they make while shutting down, outside Iterate; an
// error from recovered is dropped there, since the loop is stopping anyway.
func Safely(f func(), recovered func(r any) error) {
	defer func() {
		if r := recover(); r != nil {
			recovered(r)
		}
	}()
	f()
}
