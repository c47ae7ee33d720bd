package engine

import (
	"context"
	"errors"
	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
	"net"
	"runtime/pprof"
	"strconv"
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
	// Snapshot returns the loop's published counters (Loop provides it).
	Snapshot() conn.LoopStats
	// publish makes the final counts visible once Run has returned (Loop
	// provides it).
	publish()
	// Kit returns the kit's loop the engine's loop embeds (Loop provides
	// it).
	Kit() *Loop
}

// LoopServer is the Server of an engine: loops that share one address,
// each with its own listener. Engines embed it in their Server type.
type LoopServer[R Runner] struct {
	engine conn.Engine
	addr   net.Addr
	loops  []R
	log    *zap.Logger
	served atomic.Bool

	nextDial atomic.Uint32 // the loop of the next Dial

	mu       sync.Mutex
	cancel   context.CancelFunc // ends Serve; set while it runs
	shutdown bool               // Shutdown was called
	done     chan struct{}      // closed when Serve returns
}

// NewLoopServer returns the server of engine e whose loops listen on addr.
//
// Loops serving a Unix socket all watch one listener, which has no
// SO_REUSEPORT to spread connections over them; they are grouped so that
// each hands what it accepts to the least loaded (see HandOff).
func NewLoopServer[R Runner](e conn.Engine, addr net.Addr, loops []R, log *zap.Logger) *LoopServer[R] {
	if _, ok := addr.(*net.UnixAddr); ok {
		kits := make([]*Loop, len(loops))
		for i, l := range loops {
			kits[i] = l.Kit()
		}
		shareListener(kits)
	}
	return &LoopServer[R]{engine: e, addr: addr, loops: loops, log: log, done: make(chan struct{})}
}

// Engine names the engine that runs the server.
func (s *LoopServer[R]) Engine() conn.Engine { return s.engine }

// Stats returns a snapshot of every loop's counters. Safe from any
// goroutine, at any time.
func (s *LoopServer[R]) Stats() conn.Stats {
	st := conn.Stats{Engine: s.engine, Loops: make([]conn.LoopStats, len(s.loops))}
	for i, l := range s.loops {
		st.Loops[i] = l.Snapshot()
		st.Loops[i].Loop = i
	}
	return st
}

// Addr returns the address the server listens on.
func (s *LoopServer[R]) Addr() net.Addr { return s.addr }

// Dial opens an outbound connection on one of the loops, taken in turn;
// see conn.Dialer. It may be called from any goroutine, before Serve too:
// the dial then starts once the loops run.
func (s *LoopServer[R]) Dial(ctx context.Context, network, addr string, h conn.Handler) error {
	if len(s.loops) == 0 {
		return conn.ErrServerClosed
	}
	i := int(s.nextDial.Add(1)-1) % len(s.loops)
	return s.loops[i].Kit().Dial(ctx, network, addr, h)
}

// Loops returns the server's loops.
func (s *LoopServer[R]) Loops() []R { return s.loops }

// Serve runs every loop with h until ctx is cancelled or a loop fails, then
// shuts all loops down (each open connection gets OnClose with
// conn.ErrServerClosed) and returns. The error is nil after a cancellation.
// Shutdown ends it gracefully.
func (s *LoopServer[R]) Serve(ctx context.Context, h conn.Handler) error {
	if !s.served.CompareAndSwap(false, true) {
		return errors.New("netloop: Serve called twice")
	}
	defer close(s.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.cancel = cancel
	if s.shutdown {
		cancel() // Shutdown came first
	}
	s.mu.Unlock()
	s.log.Info("netloop: serving", zap.Stringer("engine", s.engine), s.addrField(), zap.Int("loops", len(s.loops)))
	err := ServeLoops(ctx, s.engine, h, s.loops)
	s.log.Info("netloop: stopped", zap.Stringer("engine", s.engine), s.addrField(), zap.Error(err))
	return err
}

// ServeLoops runs each loop on its own goroutine with h until ctx is
// cancelled or one loop fails, then stops them all and waits for every
// Run to return. It returns the first failure, or nil after a
// cancellation: the body of an engine's Server.Serve. When the loops'
// configuration (read from the first loop's Config method, which
// embedding Loop provides) requires the PROXY protocol, h is wrapped with
// WithProxyProtocol.
//
// Each loop learns its index here, and the handler's loop hooks run here,
// on the loop's goroutine: OnLoopStart of every loop before any loop runs,
// OnLoopStop of each after its Run returns. The hooks go to the user's
// handler itself, not to a wrapper, since they concern no connection.
//
// Each loop's goroutine carries the runtime/pprof labels netloop_engine
// and netloop_loop, so that a CPU profile splits by loop.
func ServeLoops[R Runner](ctx context.Context, e conn.Engine, h conn.Handler, loops []R) error {
	user := h
	if len(loops) > 0 {
		if l, ok := any(loops[0]).(interface{ Config() *conn.Config }); ok {
			h = WithProxyProtocol(h, *l.Config())
		}
	}
	for i, l := range loops {
		k := l.Kit()
		k.index, k.count = i, len(loops)
		k.served = h
	}
	if ctx.Err() != nil {
		// Shutdown before Serve, or a context already done: each loop
		// stops before its first turn, so that none opens a connection
		// the kernel queued only to close it again.
		for _, l := range loops {
			l.Stop()
		}
	}
	var wg, started sync.WaitGroup
	started.Add(len(loops))
	failed := make(chan error, len(loops))
	for i, l := range loops {
		wg.Go(func() {
			labels := pprof.Labels("netloop_engine", e.String(), "netloop_loop", strconv.Itoa(i))
			pprof.Do(context.Background(), labels, func(context.Context) {
				k := l.Kit()
				k.Begin(user)
				started.Done()
				started.Wait()
				if err := l.Run(h); err != nil {
					failed <- err
				}
				k.End(user)
			})
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
	for _, l := range loops {
		l.publish() // the counts of the shutdown itself
	}
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
