package netloop_test

import (
	"context"
	"testing"

	"github.com/netloop/netloop/conn"
)

// serveUntilCleanup runs s with h until the test ends.
func serveUntilCleanup(tb testing.TB, s conn.Server, h conn.Handler) string {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, h) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Serve: %v", err)
		}
	})
	return s.Addr().String()
}
