//go:build linux

package proactor

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// failOnSecondOpen holds the loop in the first OnOpen, so that accept
// completions queue up, then fails the ring from the second.
type failOnSecondOpen struct {
	opened, closed atomic.Int64
}

func (h *failOnSecondOpen) OnOpen(conn.Conn) {
	switch h.opened.Add(1) {
	case 1:
		time.Sleep(300 * time.Millisecond) // while the other clients connect
	case 2:
		panic(fatalError{errors.New("injected ring failure")})
	}
}

func (h *failOnSecondOpen) OnData(_ conn.Conn, in []byte) int { return len(in) }
func (h *failOnSecondOpen) OnClose(conn.Conn, error)          { h.closed.Add(1) }

// TestShutdownAfterFailureOpensNothing: when a loop fails on its own, the
// accept completions its shutdown still reaps must close their sockets,
// not open connections that nobody would close.
func TestShutdownAfterFailureOpensNothing(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	saved := shape
	shape.cqeBatch = 4 // leave accepts queued behind the failing batch
	defer func() { shape = saved }()
	s, err := Listen("127.0.0.1:0", conn.Config{Loops: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := new(failOnSecondOpen)
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), h) }()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var clients []net.Conn
	for range 30 {
		wg.Go(func() {
			if c, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second); err == nil {
				mu.Lock()
				clients = append(clients, c)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Serve returned nil after a ring failure")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after a ring failure")
	}
	ops, open := s.inFlight()
	if h.opened.Load() != h.closed.Load() || ops != 0 || open != 0 {
		t.Errorf("OnOpen %d, OnClose %d, %d operations in flight, %d open", h.opened.Load(), h.closed.Load(), ops, open)
	}
}
