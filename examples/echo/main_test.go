package main

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
)

// TestEchoServer runs the example as main does, on each engine, and talks
// to it as a client would.
func TestEchoServer(t *testing.T) {
	for _, engine := range []string{"reactor", "proactor", "auto"} {
		t.Run(engine, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			addrc, done := make(chan string, 1), make(chan error, 1)
			go func() {
				done <- run(ctx, "127.0.0.1:0", engine, 1, zapcore.WarnLevel, func(a string) { addrc <- a })
			}()
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

func TestParseEngine(t *testing.T) {
	for _, tc := range []struct {
		in      string
		wantErr bool
	}{
		{in: "reactor"}, {in: "proactor"}, {in: "auto"}, {in: "epoll", wantErr: true},
	} {
		if _, err := parseEngine(tc.in); (err != nil) != tc.wantErr {
			t.Errorf("parseEngine(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
		}
	}
}
