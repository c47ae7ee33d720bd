package main

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// TestPushAllocs: a worker's completion push, formatted into a pooled
// buffer and handed over with AsyncWriteBuffer, allocates nothing in
// steady state, on the worker's side or the loop's.
func TestPushAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	forEngine(t, func(t *testing.T, e conn.Engine) {
		opened := make(chan conn.Conn, 1)
		s, err := netloop.Listen("127.0.0.1:0", netloop.Config{Engine: e, Loops: 1, Logger: zap.NewNop()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Serve(ctx, conn.HandlerFuncs{Open: func(c conn.Conn) { opened <- c }}) }()
		defer func() { cancel(); <-done }()
		client, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		client.SetDeadline(time.Now().Add(20 * time.Second))
		c := <-opened
		line := doneLine(nil, 12345, "0123456789abcdef")
		got := make([]byte, len(line))
		one := func() {
			push(c, 12345, "0123456789abcdef")
			if _, err := io.ReadFull(client, got); err != nil {
				t.Fatal(err)
			}
		}
		for range 100 {
			one()
		}
		if string(got) != string(line) {
			t.Fatalf("push sent %q, want %q", got, line)
		}
		if n := testing.AllocsPerRun(1000, one); n != 0 {
			t.Errorf("%.2f allocations per push, want 0", n)
		}
	})
}
