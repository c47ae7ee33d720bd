package engine

import (
	"context"
	"sync"

	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
)

// LoopClient is the Client of an engine: loops without a listener that
// only dial, running from NewLoopClient until Close or Shutdown. Engines
// embed it in their Client type, after making their loops with no
// listening descriptor. It is a LoopServer with no address, served with
// a handler no connection uses: every dial brings its own.
type LoopClient[R Runner] struct {
	s      *LoopServer[R]
	cancel context.CancelFunc
	done   chan struct{} // closed when the loops have stopped
	err    error         // a loop's failure; set before done is closed

	closeOnce sync.Once
}

var _ conn.Client = (*LoopClient[Runner])(nil)

// NewLoopClient starts loops, which must have no listener, on goroutines
// of their own, as Serve would, and returns the client that dials on them.
func NewLoopClient[R Runner](e conn.Engine, loops []R, log *zap.Logger) *LoopClient[R] {
	for _, l := range loops {
		l.Kit().dialOnly = true // before any goroutine can call Dial
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &LoopClient[R]{s: NewLoopServer(e, nil, loops, log), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.err = c.s.Serve(ctx, dialOnlyHandler{})
	}()
	return c
}

// Engine names the engine that runs the client.
func (c *LoopClient[R]) Engine() conn.Engine { return c.s.Engine() }

// Stats returns a snapshot of every loop's counters; see conn.Client.
func (c *LoopClient[R]) Stats() conn.Stats { return c.s.Stats() }

// Dial opens an outbound connection on one of the loops, taken in turn;
// see conn.Client. h must not be nil. Any goroutine.
func (c *LoopClient[R]) Dial(ctx context.Context, network, addr string, h conn.Handler) error {
	if h == nil {
		return errNoHandler
	}
	return c.s.Dial(ctx, network, addr, h)
}

// Loops returns the client's loops.
func (c *LoopClient[R]) Loops() []R { return c.s.Loops() }

// Shutdown waits for the connections to close, then stops the loops; see
// conn.Client.
func (c *LoopClient[R]) Shutdown(ctx context.Context) error {
	err := c.s.Shutdown(ctx)
	<-c.done // Shutdown returns at once if it came before Serve began
	return err
}

// Close stops the loops, closing every connection with
// conn.ErrServerClosed; see conn.Client.
func (c *LoopClient[R]) Close() error {
	c.closeOnce.Do(c.cancel)
	<-c.done
	return c.err
}

// dialOnlyHandler is what a client's loops serve: no connection is ever
// accepted there, and every dial names its own handler, so its methods
// are never called.
type dialOnlyHandler struct{}

func (dialOnlyHandler) OnOpen(c conn.Conn)           { c.Close() }
func (dialOnlyHandler) OnData(conn.Conn, []byte) int { return 0 }
func (dialOnlyHandler) OnClose(conn.Conn, error)     {}

// addrField is the server's address for a log line; a client has none.
func (s *LoopServer[R]) addrField() zap.Field {
	if s.addr == nil {
		return zap.Skip()
	}
	return zap.Stringer("addr", s.addr)
}

// ClientLoops makes a client's loops, cfg.Loops of them (defaults
// applied), with newLoop, which makes loop i without a listener, and has
// them share one memory budget, as a server's loops do. If one cannot be
// made, those made already are released and the error returned.
func ClientLoops[R Runner](cfg conn.Config, newLoop func(i int) (R, error), release func(R)) ([]R, error) {
	cfg = cfg.WithDefaults()
	budget := NewBudget(cfg)
	loops := make([]R, 0, cfg.Loops)
	for i := range cfg.Loops {
		l, err := newLoop(i)
		if err != nil {
			for _, l := range loops {
				release(l)
			}
			return nil, err
		}
		l.Kit().ShareBudget(budget)
		loops = append(loops, l)
	}
	return loops, nil
}
