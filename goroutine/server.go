package goroutine

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
)

// Accept back-off after the process runs out of descriptors or memory.
const (
	minAcceptBackoff = 10 * time.Millisecond
	maxAcceptBackoff = time.Second
)

// Server is a listening goroutine engine: one listener, Config.Loops
// logical loops, and a goroutine for each connection. Serve runs it; see
// conn.Server.
type Server struct {
	loops *engine.LoopServer[*loop]
}

var (
	_ conn.Server        = (*Server)(nil)
	_ conn.Dialer        = (*Server)(nil)
	_ conn.Shutdowner    = (*Server)(nil)
	_ conn.ListenerFiler = (*Server)(nil)
)

// Listen opens a listener on addr (a "host:port" for TCP; port 0 picks a
// free port; "unix:PATH", or "unix:@NAME" on Linux, for a Unix socket: a
// stale socket file is replaced, a served one is EADDRINUSE, and the file
// is removed when Serve returns) and prepares cfg.Loops loops, among which
// the connections are shared round-robin. On Linux a TCP listener handed
// over by the process before (see conn.ListenerFiler) is taken in place of
// a new one. Connections wait in the kernel's queue until Serve runs.
func Listen(addr string, cfg conn.Config) (*Server, error) {
	cfg = cfg.WithDefaults()
	ln, inherited, err := listen(addr, cfg)
	if err != nil {
		return nil, err
	}
	a := newAcceptor(ln, inherited, cfg)
	return &Server{engine.NewLoopServer(conn.EngineGoroutine, ln.Addr(), a.loops, cfg.Logger)}, nil
}

// newAcceptor returns the acceptor of listener ln, nil for a client's
// loops, which accept nothing, with cfg.Loops loops made for it. cfg has
// its defaults applied.
func newAcceptor(ln net.Listener, inherited bool, cfg conn.Config) *acceptor {
	a := &acceptor{
		ln:        ln,
		lnClosed:  ln == nil, // nothing to close, interrupt or hand over
		keepAlive: inherited,
		cfg:       cfg,
		log:       cfg.Logger,
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	size := cfg.ReadBufferSize
	a.bufs.New = func() any {
		b := make([]byte, size)
		return &b
	}
	a.loops = make([]*loop, cfg.Loops)
	for i := range a.loops {
		a.loops[i] = newLoop(a, i)
	}
	return a
}

// Addr returns the address the server listens on, with the port the kernel
// chose if the requested port was 0.
func (s *Server) Addr() net.Addr { return s.loops.Addr() }

// Engine returns conn.EngineGoroutine.
func (s *Server) Engine() conn.Engine { return s.loops.Engine() }

// Stats returns a snapshot of the loops' counters; see conn.Server.
func (s *Server) Stats() conn.Stats { return s.loops.Stats() }

// Serve accepts connections and serves each with h on a goroutine of its
// own until ctx is cancelled; see conn.Server. A Unix socket's file is
// removed once every loop has stopped.
func (s *Server) Serve(ctx context.Context, h conn.Handler) error {
	defer removeUnix(s.loops.Addr())
	return s.loops.Serve(ctx, h)
}

// Dial opens an outbound connection on one of the server's loops, taken
// in turn; see conn.Dialer. Any goroutine.
func (s *Server) Dial(ctx context.Context, network, addr string, h conn.Handler) error {
	return s.loops.Dial(ctx, network, addr, h)
}

// Shutdown drains the server gracefully; see conn.Shutdowner.
func (s *Server) Shutdown(ctx context.Context) error { return s.loops.Shutdown(ctx) }

// ListenerFiles returns a duplicate of the server's listening socket; see
// conn.ListenerFiler.
func (s *Server) ListenerFiles() ([]*os.File, error) { return s.loops.ListenerFiles() }

// listenTCP opens a new TCP listener with cfg's keep-alive.
func listenTCP(addr string, cfg conn.Config) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: cfg.KeepAlive}
	return lc.Listen(context.Background(), "tcp", addr)
}

// acceptor is the server's listener and what its loops share: it accepts
// connections, hands each to the least loaded loop, and starts its
// goroutine.
type acceptor struct {
	ln        net.Listener
	keepAlive bool // accepts set cfg.KeepAlive: ln was not made with it
	cfg       conn.Config
	log       *zap.Logger
	h         conn.Handler // set by setHandler before the first accept or dial
	hOnce     sync.Once
	bufs      sync.Pool // read buffers of cfg.ReadBufferSize, as *[]byte
	loops     []*loop
	next      int // where leastLoaded starts looking

	stopping atomic.Bool
	stopOnce sync.Once
	stop     chan struct{} // closed by Stop
	done     chan struct{} // closed when accept has returned

	draining atomic.Bool // the accepts stop for a graceful shutdown
	lnMu     sync.Mutex
	lnClosed bool
	queued   []int // taken from the listener's queue by stopNow, not yet opened
}

// start runs accept on a goroutine of its own, with the handler every
// loop serves.
func (a *acceptor) start(h conn.Handler) {
	a.setHandler(h)
	if a.ln == nil { // a client's: no listener
		close(a.done)
		return
	}
	go func() {
		defer close(a.done)
		a.accept()
	}()
}

// setHandler sets the handler every loop serves (ServeLoops gives each
// the same). Every loop's Run calls it before its first turn, so that what
// the loop starts (a dial's goroutine) sees it, whichever loop runs first.
func (a *acceptor) setHandler(h conn.Handler) { a.hOnce.Do(func() { a.h = h }) }

// Stop ends accept; safe from any goroutine.
func (a *acceptor) Stop() {
	a.stopOnce.Do(func() {
		a.stopping.Store(true)
		close(a.stop)
		a.closeListener()
	})
}

// closeListener closes the listener once; safe from any goroutine.
func (a *acceptor) closeListener() {
	a.lnMu.Lock()
	defer a.lnMu.Unlock()
	if !a.lnClosed {
		a.lnClosed = true
		a.ln.Close()
	}
}

func (a *acceptor) accept() {
	var backoff time.Duration
	for {
		nc, err := a.ln.Accept()
		if err != nil {
			if a.stopping.Load() {
				a.dropQueued() // the server is stopping: nothing to serve them
				return
			}
			if a.draining.Load() {
				// StopAccepting interrupted the accept: the connections
				// the kernel queued are served and drained too.
				a.takeQueued()
				a.closeListener()
				return
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors or memory (the net package itself retries
			// a connection aborted before it was taken): back off rather
			// than spin; established connections are unaffected.
			backoff = min(max(2*backoff, minAcceptBackoff), maxAcceptBackoff)
			l := a.loops[0]
			l.mu.Lock()
			l.Stats().AcceptErrors++
			l.Stats().AcceptBackoffs++
			l.Publish()
			l.mu.Unlock()
			a.log.Warn("netloop: accept failed; pausing accept", zap.Error(err), zap.Duration("backoff", backoff))
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-a.stop:
				t.Stop()
				return
			}
			continue
		}
		backoff = 0
		a.opened(nc)
	}
}

// opened sets up an accepted connection and hands it to the least loaded
// loop.
// The acceptor's goroutine.
func (a *acceptor) opened(nc net.Conn) {
	sc, ok := nc.(sockConn)
	if !ok { // not a socket: cannot happen with the listeners made here
		nc.Close()
		return
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		setTCPOptions(tc, &a.cfg, a.keepAlive)
	}
	a.leastLoaded().open(sc)
}

// leastLoaded returns the loop with the fewest connections, taking the
// loops in turn among equals: a burst of connections spreads as
// round-robin would, and after a loop's connections close, new ones fill
// the room they left. The acceptor's goroutine.
func (a *acceptor) leastLoaded() *loop {
	best := a.loops[a.next]
	for i := 1; i < len(a.loops); i++ {
		if l := a.loops[(a.next+i)%len(a.loops)]; l.Load() < best.Load() {
			best = l
		}
	}
	a.next = (a.next + 1) % len(a.loops)
	return best
}

// setTCPOptions sets what cfg asks of a TCP connection that package net
// did not: Nagle's algorithm, and keep-alive where ka is set.
func setTCPOptions(tc *net.TCPConn, cfg *conn.Config, ka bool) {
	if cfg.Nagle {
		tc.SetNoDelay(false)
	}
	if ka {
		switch {
		case cfg.KeepAlive > 0:
			tc.SetKeepAlive(true)
			tc.SetKeepAlivePeriod(cfg.KeepAlive)
		case cfg.KeepAlive < 0:
			tc.SetKeepAlive(false)
		}
	}
}

// labels are the runtime/pprof labels of loop i's goroutines, as
// engine.ServeLoops gives them to the loop's own goroutine; connection
// goroutines carry those of their loop.
func labels(i int) context.Context {
	return pprof.WithLabels(context.Background(),
		pprof.Labels("netloop_engine", conn.EngineGoroutine.String(), "netloop_loop", strconv.Itoa(i)))
}
