//go:build linux

package reactor_test

import (
	"testing"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/conn/conntest"
	"github.com/netloop/netloop/reactor"
)

func TestConformance(t *testing.T) {
	conntest.Run(t, func(addr string, cfg conn.Config) (conn.Server, error) {
		return reactor.Listen(addr, cfg)
	})
}

// TestConformanceClient runs the suite's outbound cases against a client:
// loops of the engine's own, no listener.
func TestConformanceClient(t *testing.T) {
	conntest.RunClient(t, func(cfg conn.Config) (conn.Client, error) {
		return reactor.NewClient(cfg)
	})
}
