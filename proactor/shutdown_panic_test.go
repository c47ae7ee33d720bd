//go:build linux

package proactor_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/proactor"
)

// stallThenPanic holds the loop in its first OnData, so that completions
// pile up behind it, and panics in every later one.
type stallThenPanic struct {
	opened, closed, calls atomic.Int64
	stalled               chan struct{}
}

func (h *stallThenPanic) OnOpen(conn.Conn) { h.opened.Add(1) }

func (h *stallThenPanic) OnData(_ conn.Conn, in []byte) int {
	if h.calls.Add(1) == 1 {
		close(h.stalled)
		time.Sleep(300 * time.Millisecond) // while the others' data and EOFs arrive
		return len(in)
	}
	panic("handler bug")
}

func (h *stallThenPanic) OnClose(conn.Conn, error) { h.closed.Add(1) }

// TestShutdownPanicsKeepBatch: handler panics while shutdown handles a
// batch of completions must not lose the rest of the batch, or the loop
// waits out its limit for operations that are already over and leaves
// connections without OnClose.
func TestShutdownPanicsKeepBatch(t *testing.T) {
	const n = 8
	h := &stallThenPanic{stalled: make(chan struct{})}
	s, err := proactor.Listen("127.0.0.1:0", conn.Config{Loops: 1})
	if err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, h) }()
	var cs []*net.TCPConn
	for range n {
		cs = append(cs, dial(t, s))
	}
	eventually(t, "all opened", func() bool { return h.opened.Load() == n })
	cs[0].Write([]byte("a"))
	<-h.stalled
	for _, c := range cs[1:] {
		c.Write([]byte("b"))
		c.CloseWrite()
	}
	cancel()
	start := time.Now()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return")
	}
	ops, open := proactor.InFlight(s)
	if h.closed.Load() != n || ops != 0 || open != 0 {
		t.Errorf("after shutdown: OnClose %d of %d, %d operations in flight, %d open (Serve took %v)",
			h.closed.Load(), n, ops, open, time.Since(start).Round(time.Millisecond))
	}
}
