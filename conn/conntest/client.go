package conntest

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// ClientMaker starts an engine's client (conn.Client): loops of its own
// and no listener. RunClient always passes a Config with Loops set.
type ClientMaker func(cfg conn.Config) (conn.Client, error)

// RunClient runs the suite's behaviours of outbound connections against
// clients that newClient makes, as Run runs them against a server's
// loops, and those only a client has: dials spread over its loops, a
// dial from a handler landing on its caller's loop, Close and Shutdown
// with connections open, no handler refused; then it checks that nothing
// leaked.
func RunClient(t *testing.T, newClient ClientMaker) {
	var fds, goroutines int
	t.Run("Baseline", func(t *testing.T) { fds, goroutines = countFDs(t), runtime.NumGoroutine() })
	for _, tc := range dialCases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, clientSite(newClient)) })
	}
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, newClient ClientMaker)
	}{
		{"ClientRoundRobin", testClientRoundRobin},
		{"ClientDialFromHandler", testClientDialFromHandler},
		{"ClientNoHandler", testClientNoHandler},
		{"ClientClose", testClientClose},
		{"ClientShutdown", testClientShutdown},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newClient) })
	}
	t.Run("NoLeaks", func(t *testing.T) { checkLeaks(t, fds, goroutines) })
}

// startClient makes a client with cfg (two loops unless cfg says) and
// closes it when the test ends.
func startClient(t *testing.T, newClient ClientMaker, cfg conn.Config) conn.Client {
	t.Helper()
	if cfg.Loops == 0 {
		cfg.Loops = 2
	}
	c, err := newClient(cfg)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	if e := c.Engine(); e == conn.EngineAuto {
		t.Errorf("Client.Engine() = %q, want the engine's name", e)
	}
	t.Cleanup(func() { closeClient(t, c) })
	return c
}

// closeClient closes c, failing the test if Close does not return in time
// or reports a failure.
func closeClient(t *testing.T, c conn.Client) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- c.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(timeout):
		t.Fatalf("Close did not return within %v", timeout)
	}
}

// loopRecorder records the loop each connection it opens is on.
type loopRecorder struct {
	mu     sync.Mutex
	loops  map[int]int // loop index: connections opened there
	counts []int       // Loop.Count each saw
	opened chan struct{}
}

func (r *loopRecorder) OnOpen(c conn.Conn) {
	r.mu.Lock()
	r.loops[c.Loop().Index()]++
	r.counts = append(r.counts, c.Loop().Count())
	r.mu.Unlock()
	r.opened <- struct{}{}
}
func (r *loopRecorder) OnData(c conn.Conn, in []byte) int { return len(in) }
func (r *loopRecorder) OnClose(conn.Conn, error)          {}

// testClientRoundRobin: a client's dials are spread over its loops in
// turn, and each connection's Loop says how many there are.
func testClientRoundRobin(t *testing.T, newClient ClientMaker) {
	ln := netEcho(t, "tcp", "127.0.0.1:0")
	const loops, dials = 3, 9
	c := startClient(t, newClient, conn.Config{Loops: loops})
	r := &loopRecorder{loops: map[int]int{}, opened: make(chan struct{}, dials)}
	for range dials {
		if err := c.Dial(context.Background(), "tcp", ln.Addr().String(), r); err != nil {
			t.Fatalf("Dial: %v", err)
		}
	}
	for range dials {
		select {
		case <-r.opened:
		case <-time.After(timeout):
			t.Fatal("a dial never opened")
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := c.Stats(); len(st.Loops) > 0 && len(st.Loops) != loops {
		t.Errorf("Stats has %d loops, want %d", len(st.Loops), loops)
	}
	if len(c.Stats().Loops) == 0 {
		return // an engine of one loop (the reference) spreads nothing
	}
	for i := range loops {
		if r.loops[i] != dials/loops {
			t.Errorf("connections per loop = %v, want %d on each of %d loops", r.loops, dials/loops, loops)
			break
		}
	}
	for _, n := range r.counts {
		if n != loops {
			t.Errorf("Loop.Count() = %d, want %d", n, loops)
			break
		}
	}
}

// chainFront is a client connection that, once open, dials a second one
// from its handler on its own loop.
type chainFront struct {
	backend string
	back    *chainBack
	err     chan error
}

type chainBack struct {
	front conn.Conn
	got   chan string
}

func (f *chainFront) OnOpen(c conn.Conn) {
	f.back.front = c
	if err := conn.Dial(context.Background(), c.Loop(), "tcp", f.backend, f.back); err != nil {
		f.err <- err
	}
}
func (f *chainFront) OnData(c conn.Conn, in []byte) int { return len(in) }
func (f *chainFront) OnClose(conn.Conn, error)          {}

func (b *chainBack) OnOpen(c conn.Conn) {
	if c.Loop() != b.front.Loop() {
		b.got <- "the second connection is on another loop"
		return
	}
	c.Write([]byte("chained"))
}
func (b *chainBack) OnData(c conn.Conn, in []byte) int {
	b.got <- string(in)
	c.Close()
	b.front.Close()
	return len(in)
}
func (b *chainBack) OnClose(c conn.Conn, err error) {
	if err != nil {
		b.got <- "closed: " + err.Error()
	}
}

// testClientDialFromHandler: a handler on a client's loop dials with
// conn.Dial and c.Loop(); the new connection shares the loop.
func testClientDialFromHandler(t *testing.T, newClient ClientMaker) {
	ln := netEcho(t, "tcp", "127.0.0.1:0")
	c := startClient(t, newClient, conn.Config{Loops: 2})
	for range 4 {
		back := &chainBack{got: make(chan string, 4)}
		front := &chainFront{backend: ln.Addr().String(), back: back, err: make(chan error, 1)}
		if err := c.Dial(context.Background(), "tcp", ln.Addr().String(), front); err != nil {
			t.Fatalf("Dial: %v", err)
		}
		select {
		case got := <-back.got:
			if got != "chained" {
				t.Fatalf("second connection: %s, want its greeting echoed", got)
			}
		case err := <-front.err:
			t.Fatalf("dial from a handler: %v", err)
		case <-time.After(timeout):
			t.Fatal("the dial from a handler never finished")
		}
	}
}

// testClientNoHandler: a client has no server handler, so a dial without
// one is refused at once, from ordinary code and from a handler.
func testClientNoHandler(t *testing.T, newClient ClientMaker) {
	ln := netEcho(t, "tcp", "127.0.0.1:0")
	c := startClient(t, newClient, conn.Config{})
	if err := c.Dial(context.Background(), "tcp", ln.Addr().String(), nil); err == nil {
		t.Error("Client.Dial with a nil handler: nil error")
	}
	errc := make(chan error, 1)
	h := conn.HandlerFuncs{Open: func(cc conn.Conn) {
		errc <- conn.Dial(context.Background(), cc.Loop(), "tcp", ln.Addr().String(), nil)
		cc.Close()
	}}
	if err := c.Dial(context.Background(), "tcp", ln.Addr().String(), h); err != nil {
		t.Fatalf("Dial: %v", err)
	}
	select {
	case err := <-errc:
		if err == nil {
			t.Error("conn.Dial on a client's loop with a nil handler: nil error")
		}
	case <-time.After(timeout):
		t.Fatal("never opened")
	}
}

// testClientClose: Close ends every connection, open or dialling, with
// ErrServerClosed, returns once they have, and later dials are refused.
func testClientClose(t *testing.T, newClient ClientMaker) {
	ln := netEcho(t, "tcp", "127.0.0.1:0")
	hole := Blackhole(t)
	c, err := newClient(conn.Config{Loops: 2})
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	const open = 4
	rec := make([]*dialRecorder, 0, open+1)
	for range open {
		d := newDialRecorder([]byte("x"), 1<<30) // never closes by itself
		d.got = make(chan struct{})
		rec = append(rec, d)
		if err := c.Dial(context.Background(), "tcp", ln.Addr().String(), d); err != nil {
			t.Fatalf("Dial: %v", err)
		}
	}
	for _, d := range rec {
		d.waitEcho(t)
	}
	d := newDialRecorder(nil, 1)
	rec = append(rec, d)
	if err := c.Dial(context.Background(), "tcp", hole, d); err != nil {
		t.Fatalf("Dial: %v", err)
	}
	closeClient(t, c)
	for i, d := range rec {
		select {
		case r := <-d.done:
			if !errors.Is(r.err, conn.ErrServerClosed) || r.opened != (i < open) {
				t.Errorf("connection %d: opened %v, err %v; want ErrServerClosed", i, r.opened, r.err)
			}
		default:
			t.Errorf("connection %d: no OnClose by the time Close returned", i)
		}
	}
	if err := c.Dial(context.Background(), "tcp", ln.Addr().String(), newDialRecorder(nil, 1)); !errors.Is(err, conn.ErrServerClosed) {
		t.Errorf("Dial after Close: %v, want ErrServerClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// drainingRecorder is a dialRecorder that closes when told to drain.
type drainingRecorder struct{ *dialRecorder }

func (d drainingRecorder) OnDrain(c conn.Conn) { c.Close() }

// testClientShutdown: Shutdown tells a DrainHandler's connections, waits
// for them to close and returns nil; a connection that does not close by
// the deadline gets ErrServerClosed and Shutdown returns ctx's error.
func testClientShutdown(t *testing.T, newClient ClientMaker) {
	ln := netEcho(t, "tcp", "127.0.0.1:0")
	for _, tc := range []struct {
		name    string
		drains  bool
		wantErr error
	}{
		{"drained", true, nil},
		{"deadline", false, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newClient(conn.Config{Loops: 2})
			if err != nil {
				t.Fatalf("new client: %v", err)
			}
			d := newDialRecorder([]byte("x"), 1<<30)
			d.got = make(chan struct{})
			var h conn.Handler = d
			if tc.drains {
				h = drainingRecorder{d}
			}
			if err := c.Dial(context.Background(), "tcp", ln.Addr().String(), h); err != nil {
				t.Fatalf("Dial: %v", err)
			}
			d.waitEcho(t)
			wait := timeout
			if !tc.drains {
				wait = 100 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			if err := c.Shutdown(ctx); !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("Shutdown: %v, want %v", err, tc.wantErr)
			}
			r := d.wait(t)
			if tc.drains && r.err != nil || !tc.drains && !errors.Is(r.err, conn.ErrServerClosed) {
				t.Errorf("OnClose: %v", r.err)
			}
			if err := c.Dial(context.Background(), "tcp", ln.Addr().String(), newDialRecorder(nil, 1)); !errors.Is(err, conn.ErrServerClosed) {
				t.Errorf("Dial after Shutdown: %v, want ErrServerClosed", err)
			}
		})
	}
}

// waitEcho waits for d's first input: its greeting echoed, so the
// connection is open.
func (d *dialRecorder) waitEcho(t *testing.T) {
	t.Helper()
	select {
	case <-d.got:
	case <-time.After(timeout):
		t.Fatal("the greeting never came back")
	}
}
