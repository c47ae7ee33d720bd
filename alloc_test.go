package netloop_test

import (
	"testing"

	"github.com/netloop/netloop/conn"
)

func engineOf(name string) conn.Engine { return conn.Engine(name) }

// TestEchoAllocs shows that an echo round trip allocates nothing in steady
// state: not the engine's read, OnData, Write or flush, nor the client.
func TestEchoAllocs(t *testing.T) {
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			if testing.Short() {
				t.Skip("allocation counts are noisy under -short")
			}
			addr := startEcho(t, e, 1)
			c := dialAll(t, addr, 1)[0]
			for _, size := range []int{64, 4096} {
				msg, buf := make([]byte, size), make([]byte, size)
				for range 100 { // warm the pools
					if err := roundTrip(c, msg, buf); err != nil {
						t.Fatal(err)
					}
				}
				allocs := testing.AllocsPerRun(1000, func() {
					if err := roundTrip(c, msg, buf); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("size %d: %.2f allocations per round trip, want 0", size, allocs)
				}
			}
		})
	}
}
