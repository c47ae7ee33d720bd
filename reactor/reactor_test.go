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
