//go:build linux

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

// TestConformanceTinyRings runs the suite again with rings small enough
// that the CQ overflows and the buffer ring runs dry, which the default
// sizes make rare: the engine must lose nothing either way.
func TestConformanceTinyRings(t *testing.T) {
	if err := proactor.Available(); err != nil {
		t.Skipf("proactor unavailable: %v", err)
	}
	defer proactor.SetRingShape(16, 32, 8, 4)()
	overflows, dry := proactor.RareEvents()
	conntest.Run(t, func(addr string, cfg conn.Config) (conn.Server, error) {
		return proactor.Listen(addr, cfg)
	})
	o, d := proactor.RareEvents()
	if o == overflows || d == dry {
		t.Errorf("tiny rings met %d CQ overflows and %d empty buffer rings; the test wants both", o-overflows, d-dry)
	}
}
