package netloop_test

import (
	"context"
	"testing"

	"github.com/netloop/netloop/conn"
)

// serveUntilCleanup runs s with the echo handler until the test ends.
func serveUntilCleanup(tb testing.TB, s conn.Server) string {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, echoHandler{}) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Serve: %v", err)
		}
	})
	return s.Addr().String()
}
