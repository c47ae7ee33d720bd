package cmd

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// TestDebugServer: /debug/vars shows the server's statistics moving and
// /debug/pprof/ answers, while the loops serve clients.
func TestDebugServer(t *testing.T) {
	srv, err := netloop.Listen("127.0.0.1:0", netloop.Config{Loops: 2, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	echo := conn.HandlerFuncs{Data: func(c conn.Conn, in []byte) int { c.Write(in); return len(in) }}
	go func() { done <- srv.Serve(ctx, echo) }()
	defer func() { cancel(); <-done }()
	addr, stop, err := serveDebug("127.0.0.1:0", srv, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	const clients = 3
	for range clients {
		c, err := net.DialTimeout("tcp", srv.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "ping")
		if _, err := io.ReadFull(c, make([]byte, 4)); err != nil {
			t.Fatal(err)
		}
	}
	var vars struct{ Netloop conn.Stats }
	deadline := time.Now().Add(10 * time.Second)
	for {
		get(t, "http://"+addr.String()+"/debug/vars", &vars)
		tot := vars.Netloop.Total()
		if tot.Open == clients && tot.BytesIn == 4*clients && tot.BytesOut == 4*clients {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/debug/vars never showed %d open connections and %d bytes each way: %+v", clients, 4*clients, tot)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(vars.Netloop.Loops) != 2 || vars.Netloop.Engine == "" {
		t.Errorf("/debug/vars: %d loops of engine %q, want 2 of a named engine", len(vars.Netloop.Loops), vars.Netloop.Engine)
	}
	if body := get(t, "http://"+addr.String()+"/debug/pprof/", nil); !strings.Contains(body, "goroutine") {
		t.Errorf("/debug/pprof/ does not list the profiles:\n%s", body)
	}
}

// get fetches url and decodes its JSON into v, if v is not nil.
func get(t *testing.T, url string, v any) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %v", url, resp.Status, err)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return string(body)
}
