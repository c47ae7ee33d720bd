//go:build linux

package reactor

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/stackdump"
)

// TestWaitParksInRuntimePoller checks that a wait with nothing to report
// ends up parked in the runtime's poller ("IO wait" in a goroutine dump),
// not blocked in a system call that holds its P, and that a wake, or the
// wait's timeout, still ends it.
func TestWaitParksInRuntimePoller(t *testing.T) {
	p, err := openPoller()
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if p.file == nil {
		t.Fatal("the epoll instance was not handed to the runtime's poller")
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := p.wait(make([]unix.EpollEvent, 4), -1)
		done <- result{n, err}
	}()
	if state := stackdump.Await("IO wait", 5*time.Second, "(*poller).wait", "TestWaitParksInRuntimePoller"); state != "IO wait" {
		t.Errorf("waiting goroutine is in state %q, want \"IO wait\"", state)
	}
	if err := p.wake(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.n != 1 || r.err != nil {
			t.Errorf("woken wait = %d, %v; want 1 event (the eventfd), nil", r.n, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("wake did not end the parked wait")
	}
	p.drainWake()
	start := time.Now()
	if n, err := p.wait(make([]unix.EpollEvent, 4), 20); n != 0 || err != nil {
		t.Errorf("wait with a 20 ms timeout = %d, %v; want 0, nil", n, err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("wait with a 20 ms timeout returned after %v", d)
	}
}
