package proactor_test

import (
	"testing"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/conn/conntest"
	"github.com/netloop/netloop/proactor"
)

func TestConformance(t *testing.T) {
	if err := proactor.Available(); err != nil {
		t.Skipf("proactor unavailable: %v", err)
	}
	conntest.Run(t, func(addr string, cfg conn.Config) (conn.Server, error) {
		return proactor.Listen(addr, cfg)
	})
}
