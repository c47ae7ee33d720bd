//go:build linux

package reactor

import (
	"context"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
)

// Client is a reactor that only dials: cfg.Loops epoll loops with no
// listener, running from NewClient until Close. See conn.Client.
type Client struct {
	loops *engine.LoopClient[*loop]
}

var _ conn.Client = (*Client)(nil)

// NewClient starts cfg.Loops loops, each with its poller and no listener,
// for outbound connections only; see conn.Client.
func NewClient(cfg conn.Config) (*Client, error) {
	cfg = cfg.WithDefaults()
	loops, err := engine.ClientLoops(cfg, func(i int) (*loop, error) {
		return newLoop(i, -1, nil, cfg)
	}, (*loop).release)
	if err != nil {
		return nil, err
	}
	return &Client{engine.NewLoopClient(conn.EngineReactor, loops, cfg.Logger)}, nil
}

// Dial opens an outbound connection on one of the client's loops, taken in
// turn; see conn.Client. Any goroutine.
func (c *Client) Dial(ctx context.Context, network, addr string, h conn.Handler) error {
	return c.loops.Dial(ctx, network, addr, h)
}

// Engine returns conn.EngineReactor.
func (c *Client) Engine() conn.Engine { return c.loops.Engine() }

// Stats returns a snapshot of the loops' counters; see conn.Client.
func (c *Client) Stats() conn.Stats { return c.loops.Stats() }

// Shutdown waits for the connections to close, then stops the loops; see
// conn.Client.
func (c *Client) Shutdown(ctx context.Context) error { return c.loops.Shutdown(ctx) }

// Close stops the loops, closing every connection; see conn.Client.
func (c *Client) Close() error { return c.loops.Close() }
