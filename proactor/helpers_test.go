//go:build linux

package proactor_test

import (
	"context"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/proactor"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 20 * time.Second

// start runs a proactor with h on 127.0.0.1:0 until the test or benchmark
// ends.
func start(tb testing.TB, cfg conn.Config, h conn.Handler) *proactor.Server {
	tb.Helper()
	if err := proactor.Available(); err != nil {
		tb.Skipf("proactor unavailable: %v", err)
	}
	s, err := proactor.Listen("127.0.0.1:0", cfg)
	if err != nil {
		tb.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, h) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("Serve: %v", err)
			}
		case <-time.After(testTimeout):
			tb.Errorf("Serve did not return within %v", testTimeout)
		}
	})
	return s
}

func dial(tb testing.TB, s *proactor.Server) *net.TCPConn {
	tb.Helper()
	c, err := net.DialTimeout("tcp", s.Addr().String(), testTimeout)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	c.SetDeadline(time.Now().Add(testTimeout))
	return c.(*net.TCPConn)
}

// echo writes back everything it receives.
type echo struct{}

func (echo) OnOpen(conn.Conn)                  {}
func (echo) OnData(c conn.Conn, in []byte) int { c.Write(in); return len(in) }
func (echo) OnClose(conn.Conn, error)          {}

// counted is an echo that counts opens and closes, and closes the
// connection itself when it receives a 'q'.
type counted struct {
	opened, closed atomic.Int64
}

func (h *counted) OnOpen(conn.Conn) { h.opened.Add(1) }

func (h *counted) OnData(c conn.Conn, in []byte) int {
	c.Write(in)
	if in[len(in)-1] == 'q' {
		c.Close()
	}
	return len(in)
}

func (h *counted) OnClose(conn.Conn, error) { h.closed.Add(1) }

func countFDs(tb testing.TB) int {
	tb.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		tb.Skipf("cannot count descriptors: %v", err)
	}
	return len(ents)
}

// eventually polls cond until it holds or the test timeout passes.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("%s: still not true after %v", what, testTimeout)
		}
		time.Sleep(5 * time.Millisecond) // polling for teardown, not synchronising
	}
}
