package main

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/examples/internal/cmd"
)

// TestEchoServer runs the example as main does, on each engine, and talks
// to it as a client would.
func TestEchoServer(t *testing.T) {
	for _, engine := range []conn.Engine{conn.EngineReactor, conn.EngineProactor, conn.EngineAuto} {
		t.Run(engine.String(), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			addrc, done := make(chan string, 1), make(chan error, 1)
			o := cmd.Options{Addr: "127.0.0.1:0", Engine: engine, Loops: 1, Level: zapcore.WarnLevel}
			go func() { done <- cmd.Run(ctx, "echo", o, echo{}, func(a string) { addrc <- a }) }()
			var addr string
			select {
			case addr = <-addrc:
			case err := <-done:
				t.Fatalf("server did not start: %v", err)
			}
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			c.Write([]byte("hello netloop\n"))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil || line != "hello netloop\n" {
				t.Fatalf("echo = %q, %v", line, err)
			}
			c.Close()
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("run: %v", err)
			}
		})
	}
}
