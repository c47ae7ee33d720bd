package main

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/netloop/netloop/examples/internal/cmd"
	"github.com/netloop/netloop/examples/internal/cmdtest"
)

// TestRun starts the server as main does, on each engine choice, fetches a
// page with net/http, and stops it as a signal would.
func TestRun(t *testing.T) {
	for _, engine := range cmdtest.Engines {
		t.Run(engine.String(), func(t *testing.T) {
			o := cmd.Options{Addr: "127.0.0.1:0", Engine: engine, Loops: 1, Level: zapcore.WarnLevel}
			addr := cmdtest.Start(t, engine, func(ctx context.Context, listening func(string)) error {
				return cmd.Run(ctx, "httplite", o, defaultServer(), listening)
			})
			client := &http.Client{Timeout: 5 * time.Second}
			defer client.CloseIdleConnections()
			res, err := client.Get("http://" + addr + "/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || string(body) != "Hello, World!" {
				t.Errorf("GET / = %d %q", res.StatusCode, body)
			}
		})
	}
}
