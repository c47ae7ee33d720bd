//go:build linux

package reactor

import (
	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
)

// NewClient starts a reactor that only dials: cfg.Loops epoll loops, each
// with its poller and no listener, for outbound connections only, running
// until Close; see conn.Client.
func NewClient(cfg conn.Config) (conn.Client, error) {
	cfg = cfg.WithDefaults()
	loops, err := engine.ClientLoops(cfg, func(i int) (*loop, error) {
		return newLoop(i, -1, nil, cfg)
	}, (*loop).release)
	if err != nil {
		return nil, err
	}
	return engine.NewLoopClient(conn.EngineReactor, loops, cfg.Logger), nil
}
