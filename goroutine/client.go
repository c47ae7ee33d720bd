package goroutine

import (
	"context"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
)

// Client is a goroutine engine that only dials: cfg.Loops logical loops
// and no listener, running from NewClient until Close. Each connection
// has its goroutine, as on a Server. See conn.Client.
type Client struct {
	loops *engine.LoopClient[*loop]
}

var _ conn.Client = (*Client)(nil)

// NewClient starts cfg.Loops loops for outbound connections only; see
// conn.Client. It runs wherever package net does.
func NewClient(cfg conn.Config) (*Client, error) {
	cfg = cfg.WithDefaults()
	a := newAcceptor(nil, false, cfg)
	return &Client{engine.NewLoopClient(conn.EngineGoroutine, a.loops, cfg.Logger)}, nil
}

// Dial opens an outbound connection on one of the client's loops, taken in
// turn; see conn.Client. Any goroutine.
func (c *Client) Dial(ctx context.Context, network, addr string, h conn.Handler) error {
	return c.loops.Dial(ctx, network, addr, h)
}

// Engine returns conn.EngineGoroutine.
func (c *Client) Engine() conn.Engine { return c.loops.Engine() }

// Stats returns a snapshot of the loops' counters; see conn.Client.
func (c *Client) Stats() conn.Stats { return c.loops.Stats() }

// Shutdown waits for the connections to close, then stops the loops; see
// conn.Client.
func (c *Client) Shutdown(ctx context.Context) error { return c.loops.Shutdown(ctx) }

// Close stops the loops, closing every connection; see conn.Client.
func (c *Client) Close() error { return c.loops.Close() }
