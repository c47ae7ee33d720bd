package conntest_test

import (
	"testing"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/conn/conntest"
	"github.com/netloop/netloop/conn/conntest/internal/reference"
)

// TestReference checks the suite against the goroutine-per-connection
// reference engine: what fails here is a bug in the suite.
func TestReference(t *testing.T) {
	conntest.Run(t, func(addr string, cfg conn.Config) (conn.Server, error) {
		return reference.Listen(addr, cfg)
	})
}

// TestReferenceClient checks the suite's client cases against the
// reference engine's client.
func TestReferenceClient(t *testing.T) {
	conntest.RunClient(t, func(cfg conn.Config) (conn.Client, error) {
		return reference.NewClient(cfg)
	})
}
