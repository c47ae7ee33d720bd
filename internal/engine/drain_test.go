package engine_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/reactor"
)

// drainingWhoami is whoami that closes a connection when told to drain.
type drainingWhoami struct {
	whoami
	drained atomic.Int32
}

func (d *drainingWhoami) OnDrain(c conn.Conn) { d.drained.Add(1); c.Close() }

// TestDrainThroughProxyProtocol: the PROXY protocol wrapper passes OnDrain
// on for a connection the user's handler has opened, and tells one whose
// header was still awaited when the drain began once it opens; both end,
// and Shutdown returns nil.
func TestDrainThroughProxyProtocol(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			srv, err := e.listen("127.0.0.1:0", conn.Config{Loops: 1, ProxyProtocol: conn.ProxyProtocol{Require: true}})
			if errors.Is(err, conn.ErrUnsupported) {
				t.Skipf("engine unavailable: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			h := &drainingWhoami{}
			done := make(chan error, 1)
			go func() { done <- srv.Serve(context.Background(), h) }()
			addr := srv.Addr().String()
			const header = "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n"
			opened := dial(t, addr)
			io.WriteString(opened, header)
			or := bufio.NewReader(opened)
			if l, err := or.ReadString('\n'); !strings.HasPrefix(l, "192.0.2.1:56324 ") {
				t.Fatalf("greeting %q, %v", l, err)
			}
			awaiting := dial(t, addr)
			deadline := time.Now().Add(5 * time.Second)
			for srv.Stats().Total().Open < 2 { // the second is accepted
				if time.Now().After(deadline) {
					t.Fatal("second connection not accepted")
				}
				time.Sleep(time.Millisecond)
			}
			shut := make(chan error, 1)
			go func() { shut <- srv.(conn.Shutdowner).Shutdown(context.Background()) }()
			if b, err := io.ReadAll(or); len(b) != 0 || err != nil {
				t.Errorf("opened connection: %q, %v; want EOF", b, err)
			}
			io.WriteString(awaiting, header)
			b, err := io.ReadAll(awaiting)
			if !strings.HasPrefix(string(b), "192.0.2.1:56324 ") || strings.Count(string(b), "\n") != 1 || err != nil {
				t.Errorf("connection opened during the drain: %q, %v; want its greeting, then EOF", b, err)
			}
			if err := <-shut; err != nil {
				t.Errorf("Shutdown = %v", err)
			}
			if err := <-done; err != nil {
				t.Errorf("Serve = %v", err)
			}
			if got := h.drained.Load(); got != 2 {
				t.Errorf("OnDrain called %d times, want 2", got)
			}
		})
	}
}

// TestDrainLogs: a drain logs its start and its end at info level, with
// the engine and the counts.
func TestDrainLogs(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	srv, err := reactor.Listen("127.0.0.1:0", conn.Config{Loops: 2, Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background(), &drainingWhoami{}) }()
	c := dial(t, srv.Addr().String())
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	<-done
	for _, tc := range []struct {
		msg    string
		fields map[string]any
	}{
		// "open" is from the statistics, which may be an iteration old.
		{"netloop: drain started", map[string]any{"engine": "reactor", "open": nil}},
		{"netloop: drain ended", map[string]any{"engine": "reactor", "open": nil, "closed_at_deadline": int64(0)}},
	} {
		entries := logs.FilterMessage(tc.msg).All()
		if len(entries) != 1 {
			t.Errorf("%d %q entries, want 1", len(entries), tc.msg)
			continue
		}
		got := entries[0].ContextMap()
		for k, want := range tc.fields {
			if _, ok := got[k]; !ok {
				t.Errorf("%q: no field %s", tc.msg, k)
			} else if g := fmt.Sprint(got[k]); want != nil && g != fmt.Sprint(want) {
				t.Errorf("%q: %s = %v, want %v", tc.msg, k, got[k], want)
			}
		}
	}
}
