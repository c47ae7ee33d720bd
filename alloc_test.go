package netloop_test

import (
	"testing"

	"github.com/netloop/netloop/conn"
)

func engineOf(name string) conn.Engine { return conn.Engine(name) }

// TestEchoAllocs shows that an echo round trip allocates nothing in steady
// state: not the engine's read, OnData, Write or flush, nor the client.
func TestEchoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			addr := startEcho(t, e, 1)
			for _, size := range []int{64, 4096} {
				if n := echoAllocs(t, addr, size); n != 0 {
					t.Errorf("size %d: %.2f allocations per round trip, want 0", size, n)
				}
			}
			// The control: a handler that allocates once per message must
			// show, or the measurement could not see the engine's either.
			if n := echoAllocs(t, start(t, e, 1, copyingEcho{}), 64); n < 1 {
				t.Errorf("a handler allocating per message measured %.2f allocations, want >= 1", n)
			}
		})
	}
}

// echoAllocs measures allocations per round trip of size bytes, after a
// warm-up that fills the pools.
func echoAllocs(t *testing.T, addr string, size int) float64 {
	c := dialAll(t, addr, 1)[0]
	msg, buf := make([]byte, size), make([]byte, size)
	for range 100 {
		if err := roundTrip(c, msg, buf); err != nil {
			t.Fatal(err)
		}
	}
	return testing.AllocsPerRun(1000, func() {
		if err := roundTrip(c, msg, buf); err != nil {
			t.Fatal(err)
		}
	})
}

// copyingEcho echoes through a fresh copy of each message.
type copyingEcho struct{ echoHandler }

func (copyingEcho) OnData(c conn.Conn, in []byte) int {
	c.Write(append([]byte(nil), in...))
	return len(in)
}
