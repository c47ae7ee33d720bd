package reference

import (
	"context"
	"errors"
	"sync"

	"github.com/netloop/netloop/conn"
)

// Client is the reference engine's client: its Server's loop, serving no
// listener.
type Client struct {
	s      *Server
	l      *rloop
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

var _ conn.Client = (*Client)(nil)

// NewClient starts a loop with no listener.
func NewClient(cfg conn.Config) (*Client, error) {
	cfg = cfg.WithDefaults()
	s := &Server{cfg: cfg, b: budget{limit: int64(cfg.MemoryBudget), conns: map[*rconn]bool{}},
		drain: make(chan struct{}), stop: make(chan struct{}), served: make(chan struct{}), client: true}
	ready := make(chan *rloop, 1)
	s.started = func(l *rloop) { ready <- l }
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{s: s, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		s.Serve(ctx, conn.HandlerFuncs{})
	}()
	c.l = <-ready
	return c, nil
}

// Dial implements conn.Client.
func (c *Client) Dial(ctx context.Context, network, addr string, h conn.Handler) error {
	if h == nil {
		return errors.New("reference: a client's dial needs a handler")
	}
	return c.l.Dial(ctx, network, addr, h)
}

// Engine implements conn.Client.
func (c *Client) Engine() conn.Engine { return c.s.Engine() }

// Stats implements conn.Client: no loops, as for the Server.
func (c *Client) Stats() conn.Stats { return c.s.Stats() }

// Shutdown implements conn.Client.
func (c *Client) Shutdown(ctx context.Context) error {
	err := c.s.Shutdown(ctx)
	<-c.done
	return err
}

// Close implements conn.Client.
func (c *Client) Close() error {
	c.once.Do(c.cancel)
	<-c.done
	return nil
}
