//go:build linux

package proactor_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/proactor"
)

// flooder answers every input with 8 MiB, more than the kernel buffers for
// a client that never reads (tcp_wmem allows at most 4 MiB by default), so
// its send stays in flight.
type flooder struct {
	mu     sync.Mutex
	causes []error
}

var flood = bytes.Repeat([]byte("z"), 8<<20)

func (*flooder) OnOpen(conn.Conn) {}

func (*flooder) OnData(c conn.Conn, in []byte) int {
	c.Write(flood)
	return len(in)
}

func (h *flooder) OnClose(_ conn.Conn, err error) {
	h.mu.Lock()
	h.causes = append(h.causes, err)
	h.mu.Unlock()
}

// TestShutdownDrainsRing stops a server whose connections have sends stuck
// in flight and receives armed: Serve must cancel them all, reap every
// completion, and only then return, with nothing left in any ring.
func TestShutdownDrainsRing(t *testing.T) {
	if err := proactor.Available(); err != nil {
		t.Skipf("proactor unavailable: %v", err)
	}
	const conns = 4
	h := new(flooder)
	s, err := proactor.Listen("127.0.0.1:0", conn.Config{Loops: 2, WriteHighWater: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, h) }()
	for range conns {
		c := dial(t, s)
		defer c.Close()
		c.SetReadBuffer(4 << 10)
		if _, err := c.Write([]byte("go")); err != nil {
			t.Fatal(err)
		}
	}
	// Each connection holds a receive and a stuck send; each loop its
	// accept and wake-up read.
	eventually(t, "sends in flight", func() bool {
		ops, open := proactor.InFlight(s)
		return open == conns && ops == 2*conns+4
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Serve did not return")
	}
	if ops, open := proactor.InFlight(s); ops != 0 || open != 0 {
		t.Errorf("after Serve: %d operations in flight, %d connections open; want 0, 0", ops, open)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.causes) != conns {
		t.Fatalf("OnClose ran %d times, want %d", len(h.causes), conns)
	}
	for _, err := range h.causes {
		if !errors.Is(err, conn.ErrServerClosed) {
			t.Errorf("OnClose cause %v, want ErrServerClosed", err)
		}
	}
}
