package goroutine

import (
	"context"
	"errors"
	"net"
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

// Server is a listening goroutine engine: one listener, and a goroutine for
// each connection. Serve runs it; see conn.Server.
type Server struct {
	loops *engine.LoopServer[*acceptor]
}

var _ conn.Server = (*Server)(nil)

// Listen opens a listener on addr (a "host:port" for TCP; port 0 picks a
// free port). Connections wait in the kernel's queue until Serve runs.
// cfg.Loops is ignored: every connection is a loop of its own.
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
		live: make(map[*tcpConn]struct{}),
	}
	// Its own Loop carries no connections; it gives the kit's server the
	// configuration (the PROXY protocol wrapper reads it there).
	a.Loop.Init(cfg, func() error { return nil })
	size := cfg.ReadBufferSize
	a.bufs.New = func() any {
		b := make([]byte, size)
		return &b
	}
	return &Server{engine.NewLoopServer(conn.EngineGoroutine, ln.Addr(), []*acceptor{a}, cfg.Logger)}, nil
}

// Addr returns the address the server listens on, with the port the kernel
// chose if the requested port was 0.
func (s *Server) Addr() net.Addr { return s.loops.Addr() }

// Engine returns conn.EngineGoroutine.
func (s *Server) Engine() conn.Engine { return s.loops.Engine() }

// Stats returns a snapshot of the server's counters as one loop: those of
// the connections open now, each as its loop last published them, added to
// those of every connection closed so far. See conn.Server.
func (s *Server) Stats() conn.Stats { return s.loops.Stats() }

// Serve accepts connections and serves each with h on a goroutine of its
// own until ctx is cancelled; see conn.Server.
func (s *Server) Serve(ctx context.Context, h conn.Handler) error { return s.loops.Serve(ctx, h) }

// acceptor is the server's one runner: it accepts connections, starts a
// goroutine for each, and at the stop ends them all.
type acceptor struct {
	engine.Loop // no connections of its own: see Listen

	ln   *net.TCPListener
	cfg  conn.Config
	log  *zap.Logger
	h    conn.Handler
	bufs sync.Pool // read buffers of cfg.ReadBufferSize, as *[]byte

	stopping atomic.Bool
	stopOnce sync.Once
	stop     chan struct{} // closed by Stop

	conns sync.WaitGroup // connection goroutines
	mu    sync.Mutex
	live  map[*tcpConn]struct{} // running connections, to interrupt at the stop
	done  conn.LoopStats        // counters of the connections retired, and of accept
}

// Run accepts until Stop, then stops every connection and waits for their
// goroutines to return.
func (a *acceptor) Run(h conn.Handler) error {
	a.h = h
	a.accept()
	a.Stop() // also when the listener failed on its own
	a.mu.Lock()
	for c := range a.live {
		c.interrupt()
	}
	a.mu.Unlock()
	a.conns.Wait()
	return nil
}

// Stop asks Run to return; safe from any goroutine.
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
			a.mu.Lock()
			a.done.AcceptErrors++
			a.done.AcceptBackoffs++
			a.mu.Unlock()
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
		c := newConn(a, nc)
		a.mu.Lock()
		a.live[c] = struct{}{}
		a.mu.Unlock()
		a.conns.Add(1)
		go c.run()
	}
}

// retire removes a connection whose goroutine is ending from the set the
// stop interrupts, and keeps its final counters. Its goroutine calls it.
func (a *acceptor) retire(c *tcpConn) {
	a.mu.Lock()
	delete(a.live, c)
	a.done = conn.Stats{Loops: []conn.LoopStats{a.done, *c.loop.Stats()}}.Total()
	a.mu.Unlock()
}

// Snapshot adds up the counters of the connections running, as each last
// published them, and of those retired. Safe from any goroutine.
func (a *acceptor) Snapshot() conn.LoopStats {
	a.mu.Lock()
	loops := make([]conn.LoopStats, 0, 1+len(a.live))
	loops = append(loops, a.done)
	for c := range a.live {
		loops = append(loops, c.loop.Snapshot())
	}
	a.mu.Unlock()
	return conn.Stats{Loops: loops}.Total()
}
