package main

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/netloop/netloop/examples/internal/cmd"
	"github.com/netloop/netloop/examples/internal/cmdtest"
)

// TestEchoServer runs the example as main does, on each engine, and talks
// to it as a client would.
func TestEchoServer(t *testing.T) {
	for _, engine := range cmdtest.Engines {
		t.Run(engine.String(), func(t *testing.T) {
			o := cmd.Options{Addr: "127.0.0.1:0", Engine: engine, Loops: 1, Level: zapcore.WarnLevel}
			addr := cmdtest.Start(t, engine, func(ctx context.Context, listening func(string)) error {
				return cmd.Run(ctx, "echo", o, echo{}, listening)
			})
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			c.Write([]byte("hello netloop\n"))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil || line != "hello netloop\n" {
				t.Fatalf("echo = %q, %v", line, err)
			}
		})
	}
}
