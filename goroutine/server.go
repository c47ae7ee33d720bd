package goroutine

import (
	"context"
	"errors"
	"net"
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

var _ conn.Server = (*Server)(nil)

// Listen opens a listener on addr (a "host:port" for TCP; port 0 picks a
// free port) and prepares cfg.Loops loops, among which the connections are
// shared round-robin. Connections wait in the kernel's queue until Serve
// runs.
func Listen(addr string, cfg conn.Config) (*Server, error) {
	cfg = cfg.WithDefaults()
	lc := net.ListenConfig{KeepAlive: cfg.KeepAlive}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	a := &acceptor{
		ln:   ln.(*net.TCPListener),
		cfg:  cfg,
		log:  cfg.Logger,
		stop: make(chan struct{}),
		done: make(chan struct{}),
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
	return &Server{engine.NewLoopServer(conn.EngineGoroutine, ln.Addr(), a.loops, cfg.Logger)}, nil
}

// Addr returns the address the server listens on, with the port the kernel
// chose if the requested port was 0.
func (s *Server) Addr() net.Addr { return s.loops.Addr() }

// Engine returns conn.EngineGoroutine.
func (s *Server) Engine() conn.Engine { return s.loops.Engine() }

// Stats returns a snapshot of the loops' counters; see conn.Server.
func (s *Server) Stats() conn.Stats { return s.loops.Stats() }

// Serve accepts connections and serves each with h on a goroutine of its
// own until ctx is cancelled; see conn.Server.
func (s *Server) Serve(ctx context.Context, h conn.Handler) error { return s.loops.Serve(ctx, h) }

// acceptor is the server's listener and what its loops share: it accepts
// connections, hands each to the next loop, and starts its goroutine.
type acceptor struct {
	ln    *net.TCPListener
	cfg   conn.Config
	log   *zap.Logger
	h     conn.Handler // set by loop 0's Run before the first accept
	bufs  sync.Pool    // read buffers of cfg.ReadBufferSize, as *[]byte
	loops []*loop
	next  int // the loop the next connection goes to

	stopping atomic.Bool
	stopOnce sync.Once
	stop     chan struct{} // closed by Stop
	done     chan struct{} // closed when accept has returned
}

// start runs accept on a goroutine of its own, with the handler every
// loop serves.
func (a *acceptor) start(h conn.Handler) {
	a.h = h
	go func() {
		defer close(a.done)
		a.accept()
	}()
}

// Stop ends accept; safe from any goroutine.
func (a *acceptor) Stop() {
	a.stopOnce.Do(func() {
		a.stopping.Store(true)
		close(a.stop)
		a.ln.Close()
	})
}

func (a *acceptor) accept() {
	var backoff time.Duration
	for {
		nc, err := a.ln.AcceptTCP()
		if err != nil {
			if a.stopping.Load() || errors.Is(err, net.ErrClosed) {
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
		if a.cfg.Nagle {
			nc.SetNoDelay(false)
		}
		l := a.loops[a.next]
		a.next = (a.next + 1) % len(a.loops)
		l.open(nc)
	}
}

// labels are the runtime/pprof labels of loop i's goroutines, as
// engine.ServeLoops gives them to the loop's own goroutine; connection
// goroutines carry those of their loop.
func labels(i int) context.Context {
	return pprof.WithLabels(context.Background(),
		pprof.Labels("netloop_engine", conn.EngineGoroutine.String(), "netloop_loop", strconv.Itoa(i)))
}
