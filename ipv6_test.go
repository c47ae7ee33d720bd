package netloop_test

import (
	"net"
	"testing"
	"time"

	"github.com/netloop/netloop"
)

// TestEchoIPv6 serves on the IPv6 loopback with each engine: addresses of
// both families go through the same listeners and conversions.
func TestEchoIPv6(t *testing.T) {
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	} else {
		ln.Close()
	}
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			s, err := netloop.Listen("[::1]:0", netloop.Config{Engine: e, Loops: 1})
			if err != nil {
				t.Fatal(err)
			}
			addr := serveUntilCleanup(t, s, echoHandler{})
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if err := roundTrip(c, []byte("over IPv6"), make([]byte, 9)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
