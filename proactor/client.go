//go:build linux

package proactor

import (
	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
)

// NewClient starts a proactor that only dials: cfg.Loops io_uring loops,
// each with its ring and provided buffers and no listener, for outbound
// connections only, running until Close; see conn.Client. If io_uring
// cannot be used here, NewClient returns the error of Available, which
// wraps conn.ErrUnsupported.
func NewClient(cfg conn.Config) (conn.Client, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	loops, err := engine.ClientLoops(cfg, func(i int) (*loop, error) {
		return newLoop(i, -1, nil, cfg)
	}, (*loop).release)
	if err != nil {
		return nil, err
	}
	return engine.NewLoopClient(conn.EngineProactor, loops, cfg.Logger), nil
}
