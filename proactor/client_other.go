//go:build !linux

package proactor

import (
	"context"

	"github.com/netloop/netloop/conn"
)

// Client is a proactor that only dials. Off Linux no Client is ever
// returned.
type Client struct{}

var _ conn.Client = (*Client)(nil)

// NewClient reports that the proactor needs Linux: the error matches
// conn.ErrUnsupported.
func NewClient(cfg conn.Config) (*Client, error) {
	return nil, Available()
}

// Dial returns conn.ErrUnsupported.
func (c *Client) Dial(ctx context.Context, network, addr string, h conn.Handler) error {
	return conn.ErrUnsupported
}

// Engine returns conn.EngineProactor.
func (c *Client) Engine() conn.Engine { return conn.EngineProactor }

// Stats returns no loops: none ever ran.
func (c *Client) Stats() conn.Stats { return conn.Stats{Engine: conn.EngineProactor} }

// Shutdown returns nil: no Client ever runs here.
func (c *Client) Shutdown(ctx context.Context) error { return nil }

// Close returns nil: no Client ever runs here.
func (c *Client) Close() error { return nil }
