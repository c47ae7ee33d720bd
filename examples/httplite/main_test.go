package main

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
)

// TestRun starts the server as main does, on each engine choice, fetches a
// page with net/http, and stops it as a signal would.
func TestRun(t *testing.T) {
	for _, engine := range []string{"reactor", "proactor", "auto"} {
		t.Run(engine, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			addrc, done := make(chan string, 1), make(chan error, 1)
			go func() {
				done <- run(ctx, "127.0.0.1:0", engine, 1, zapcore.WarnLevel, defaultServer(), func(a string) { addrc <- a })
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
