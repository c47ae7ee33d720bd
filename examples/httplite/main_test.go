package main

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/examples/internal/cmd"
)

// TestRun starts the server as main does, on each engine choice, fetches a
// page with net/http, and stops it as a signal would.
func TestRun(t *testing.T) {
	for _, engine := range []conn.Engine{conn.EngineReactor, conn.EngineProactor, conn.EngineAuto} {
		t.Run(engine.String(), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			addrc, done := make(chan string, 1), make(chan error, 1)
			go func() {
				o := cmd.Options{Addr: "127.0.0.1:0", Engine: engine, Loops: 1, Level: zapcore.WarnLevel}
				done <- cmd.Run(ctx, "httplite", o, defaultServer(), func(a string) { addrc <- a })
			}()
			var addr string
			select {
			case addr = <-addrc:
			case err := <-done:
				cancel()
				t.Skipf("engine %s unavailable: %v", engine, err)
			}
			client := &http.Client{Timeout: 5 * time.Second}
			res, err := client.Get("http://" + addr + "/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || string(body) != "Hello, World!" {
				t.Errorf("GET / = %d %q", res.StatusCode, body)
			}
			client.CloseIdleConnections()
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("run did not return within 5s of cancel")
			}
		})
	}
}
