package netloop_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// TestNewClient: the front door makes a client of every engine, auto
// choosing as Listen does, and its dials reach a server of another
// engine.
func TestNewClient(t *testing.T) {
	addr := startEcho(t, conn.EngineGoroutine, 1)
	for _, e := range append([]conn.Engine{conn.EngineAuto}, engines...) {
		t.Run(e.String(), func(t *testing.T) {
			c, err := netloop.NewClient(netloop.Config{Engine: e, Loops: 2})
			if errors.Is(err, errors.ErrUnsupported) {
				t.Skipf("engine %s: %v", e, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got, want := c.Engine(), netloop.Chosen(e); got != want {
				t.Errorf("Engine() = %s, want %s", got, want)
			}
			p := pinger{replies: make(chan string, 1), closed: make(chan error, 1)}
			if err := c.Dial(context.Background(), "tcp", addr, p); err != nil {
				t.Fatal(err)
			}
			select {
			case r := <-p.replies:
				if r != "ping" {
					t.Errorf("reply %q, want ping", r)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no reply")
			}
			if err := <-p.closed; err != nil {
				t.Errorf("OnClose: %v", err)
			}
			// Each loop publishes its counters once per iteration.
			for deadline := time.Now().Add(10 * time.Second); ; {
				st := c.Stats().Total()
				if st.Dialed == 1 && st.Accepted == 0 && st.Open == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("Stats: %+v; want one dial, no accept, none open", st)
				}
				time.Sleep(5 * time.Millisecond) // polling the counters, not synchronising
			}
		})
	}
	if _, err := netloop.NewClient(netloop.Config{Engine: "bogus"}); err == nil {
		t.Error("NewClient with an unknown engine: nil error")
	}
}
