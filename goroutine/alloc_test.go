package goroutine_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/goroutine"
)

// TestLargeEchoAllocs: an echo whose reply spans several output blocks,
// written with one writev where the system has it, allocates nothing once
// the pools are warm. (The root package's TestEchoAllocs covers small
// messages on every engine.)
func TestLargeEchoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	s, err := goroutine.Listen("127.0.0.1:0", conn.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Serve(ctx, conn.HandlerFuncs{Data: func(c conn.Conn, in []byte) int {
			if len(in) < 1<<10 {
				return 0 // wait for the whole request
			}
			for range 4 { // 4 KiB in, 256 KiB out: several 64 KiB blocks
				c.Write(make64k[:])
			}
			return len(in)
		}})
	}()
	defer func() { cancel(); <-done }()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	req, reply := make([]byte, 1<<10), make([]byte, 4*len(make64k))
	trip := func() {
		if _, err := c.Write(req); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, reply); err != nil {
			t.Fatal(err)
		}
	}
	for range 20 {
		trip()
	}
	if n := testing.AllocsPerRun(50, trip); n != 0 {
		t.Errorf("%.2f allocations per 256 KiB echo, want 0", n)
	}
}

var make64k [64 << 10]byte
