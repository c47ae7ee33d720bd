//go:build linux

package proactor_test

import (
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/stackdump"
)

// opened hands out each connection as it opens.
type opened struct {
	echo
	c chan conn.Conn
}

func (h opened) OnOpen(c conn.Conn) { h.c <- c }

// TestIdleLoopParks checks that a loop with nothing to do ends up parked
// in the runtime's poller ("IO wait" in a goroutine dump), not blocked in
// io_uring_enter holding its P, and that a Post from another goroutine
// wakes it every time, not only the first: Linux signals the ring's
// eventfd for the first completion set off by an eventfd write only, and
// loops woken that way stayed parked.
func TestIdleLoopParks(t *testing.T) {
	h := opened{c: make(chan conn.Conn, 1)}
	s := start(t, conn.Config{Loops: 1}, h)
	dial(t, s)
	c := <-h.c
	for i := range 20 {
		if state := stackdump.Await("IO wait", testTimeout, "(*parker).park"); state != "IO wait" {
			t.Fatalf("round %d: the idle loop is in state %q, want \"IO wait\"", i, state)
		}
		ran := make(chan struct{})
		if err := c.Loop().Post(func() { close(ran) }); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ran:
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: a Post did not wake the parked loop", i)
		}
	}
}
