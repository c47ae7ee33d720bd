//go:build !linux

package reactor

import (
	"context"
	"fmt"
	"runtime"

	"github.com/netloop/netloop/conn"
)

// Client is a reactor that only dials. Off Linux no Client is ever
// returned.
type Client struct{}

var _ conn.Client = (*Client)(nil)

// NewClient reports that the reactor needs Linux: the error matches
// conn.ErrUnsupported.
func NewClient(cfg conn.Config) (*Client, error) {
	return nil, fmt.Errorf("%w: the epoll reactor needs Linux, not %s", conn.ErrUnsupported, runtime.GOOS)
}

// Dial returns conn.ErrUnsupported.
func (c *Client) Dial(ctx context.Context, network, addr string, h conn.Handler) error {
	return conn.ErrUnsupported
}

// Engine returns conn.EngineReactor.
func (c *Client) Engine() conn.Engine { return conn.EngineReactor }

// Stats returns no loops: none ever ran.
func (c *Client) Stats() conn.Stats { return conn.Stats{Engine: conn.EngineReactor} }

// Shutdown returns nil: no Client ever runs here.
func (c *Client) Shutdown(ctx context.Context) error { return nil }

// Close returns nil: no Client ever runs here.
func (c *Client) Close() error { return nil }
