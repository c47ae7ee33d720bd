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
	var servers []*proactor.Server
	conntest.Run(t, func(addr string, cfg conn.Config) (conn.Server, error) {
		s, err := proactor.Listen(addr, cfg)
		if err != nil {
			return nil, err
		}
		servers = append(servers, s)
		return s, nil
	})
	o, d := proactor.RareEvents()
	if o == overflows || d == dry {
		t.Errorf("tiny rings met %d CQ overflows and %d empty buffer rings; the test wants both", o-overflows, d-dry)
	}
	// Each empty buffer ring is one ENOBUFS completion, counted by the
	// loop that met it.
	var shortages uint64
	for _, s := range servers {
		shortages += s.Stats().Total().BufferShortages
	}
	if shortages != uint64(d-dry) {
		t.Errorf("servers counted %d buffer shortages, the engine met %d", shortages, d-dry)
	}
}

// TestConformanceClient runs the suite's outbound cases against a client:
// loops of the engine's own, no listener.
func TestConformanceClient(t *testing.T) {
	if err := proactor.Available(); err != nil {
		t.Skipf("proactor unavailable: %v", err)
	}
	conntest.RunClient(t, func(cfg conn.Config) (conn.Client, error) {
		return proactor.NewClient(cfg)
	})
}
