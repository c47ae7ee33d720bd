package goroutine

import (
	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
)

// NewClient starts a goroutine engine that only dials: cfg.Loops logical
// loops and no listener, for outbound connections only, running until
// Close; each connection has its goroutine, as on a Server. See
// conn.Client. It runs wherever package net does.
func NewClient(cfg conn.Config) (conn.Client, error) {
	cfg = cfg.WithDefaults()
	a := newAcceptor(nil, false, cfg)
	return engine.NewLoopClient(conn.EngineGoroutine, a.loops, cfg.Logger), nil
}
