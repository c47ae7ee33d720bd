package goroutine_test

import (
	"testing"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/conn/conntest"
	"github.com/netloop/netloop/goroutine"
)

func TestConformance(t *testing.T) {
	conntest.Run(t, func(addr string, cfg conn.Config) (conn.Server, error) {
		return goroutine.Listen(addr, cfg)
	})
}
