package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/examples/internal/cmd"
	"github.com/netloop/netloop/examples/internal/cmdtest"
)

var engines = []conn.Engine{conn.EngineReactor, conn.EngineProactor, conn.EngineGoroutine}

// gate holds every job until the test opens it, so tests can observe a job
// pending without timing guesses. started learns of each job a worker takes.
type gate struct {
	open    chan struct{}
	started chan string
}

func newGate() *gate { return &gate{open: make(chan struct{}), started: make(chan string, 100)} }

func (g *gate) work(arg []byte) string {
	g.started <- string(arg)
	<-g.open
	return "r-" + string(arg)
}

// start serves a jobs server with the given pool on engine e, with workers
// worker goroutines, until the test ends.
func start(t *testing.T, e conn.Engine, p *pool, workers int) string {
	t.Helper()
	srv, err := netloop.Listen("127.0.0.1:0", netloop.Config{Engine: e, Loops: 2})
	if err != nil {
		t.Skipf("engine %q unavailable: %v", e, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { p.run(ctx, workers) })
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, newServer(p)) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return within 5s of cancel")
		}
		wg.Wait()
	})
	return srv.Addr().String()
}

// client is a test client of the line protocol.
type client struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c, r: bufio.NewReader(c)}
}

// do sends one request line and returns the reply line.
func (c *client) do(req string) string {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.c, "%s\r\n", req); err != nil {
		c.t.Fatal(err)
	}
	return c.line()
}

func (c *client) line() string {
	c.t.Helper()
	s, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (got %q)", err, s)
	}
	return strings.TrimSuffix(s, "\n")
}

func forEngine(t *testing.T, test func(t *testing.T, e conn.Engine)) {
	for _, e := range engines {
		t.Run("engine="+string(e), func(t *testing.T) { test(t, e) })
	}
}

// TestSubmitPollWatch: SUBMIT answers at once while the work is still
// running, STATUS polls it, WATCH is told when it finishes.
func TestSubmitPollWatch(t *testing.T) {
	forEngine(t, func(t *testing.T, e conn.Engine) {
		g := newGate()
		p := newPool(8, 100, 1)
		p.work = g.work
		addr := start(t, e, p, 2)
		c := dial(t, addr)
		tests := []struct {
			name string
			req  string
			want string
		}{
			{name: "submit", req: "SUBMIT alpha", want: "ID 1"},
			{name: "pending", req: "STATUS 1", want: "PENDING"},
			{name: "unknown job", req: "STATUS 99", want: "ERR unknown job"},
			{name: "bad id", req: "STATUS x", want: "ERR bad job id"},
			{name: "unknown command", req: "FROB 1", want: "ERR unknown command"},
			{name: "watch unknown", req: "WATCH 7", want: "ERR unknown job"},
		}
		for _, tt := range tests {
			if got := c.do(tt.req); got != tt.want {
				t.Errorf("%s: %q → %q, want %q", tt.name, tt.req, got, tt.want)
			}
		}
		<-g.started // the worker holds job 1
		// WATCH has no immediate reply while the job runs; the push
		// comes from the worker once the gate opens.
		fmt.Fprintf(c.c, "WATCH 1\n")
		if got := c.do("STATUS 1"); got != "PENDING" {
			t.Fatalf("STATUS 1 = %q, want PENDING", got)
		}
		close(g.open)
		if got := c.line(); got != "DONE 1 r-alpha" {
			t.Fatalf("push = %q, want DONE 1 r-alpha", got)
		}
		if got := c.do("STATUS 1"); got != "DONE r-alpha" {
			t.Fatalf("STATUS 1 = %q, want DONE r-alpha", got)
		}
		if got := c.do("WATCH 1"); got != "DONE 1 r-alpha" {
			t.Fatalf("WATCH of a finished job = %q", got)
		}
	})
}

// TestBusy: with the one worker held and the queue full, SUBMIT answers
// BUSY at once, and work is accepted again once there is room.
func TestBusy(t *testing.T) {
	forEngine(t, func(t *testing.T, e conn.Engine) {
		g := newGate()
		p := newPool(1, 100, 1)
		p.work = g.work
		addr := start(t, e, p, 1)
		c := dial(t, addr)
		if got := c.do("SUBMIT a"); got != "ID 1" {
			t.Fatalf("SUBMIT a = %q", got)
		}
		<-g.started // job 1 left the queue for the worker
		if got := c.do("SUBMIT b"); got != "ID 2" {
			t.Fatalf("SUBMIT b = %q", got)
		}
		if got := c.do("SUBMIT c"); got != "BUSY" {
			t.Fatalf("SUBMIT c with a full queue = %q, want BUSY", got)
		}
		close(g.open)
		fmt.Fprintf(c.c, "WATCH 2\n")
		if got := c.line(); got != "DONE 2 r-b" {
			t.Fatalf("WATCH 2 = %q", got)
		}
		if got := c.do("SUBMIT d"); got != "ID 3" {
			t.Fatalf("SUBMIT after the queue drained = %q, want ID 3", got)
		}
	})
}

// TestDisconnectWithPending: a client that leaves with jobs pending and
// watched disturbs nothing; its jobs still finish for anyone who asks.
func TestDisconnectWithPending(t *testing.T) {
	forEngine(t, func(t *testing.T, e conn.Engine) {
		g := newGate()
		p := newPool(16, 100, 2)
		p.work = g.work
		addr := start(t, e, p, 2)
		leaver := dial(t, addr)
		for i := 1; i <= 4; i++ {
			if got := leaver.do(fmt.Sprintf("SUBMIT j%d", i)); got != fmt.Sprintf("ID %d", i) {
				t.Fatalf("SUBMIT j%d = %q", i, got)
			}
			fmt.Fprintf(leaver.c, "WATCH %d\n", i)
		}
		if got := leaver.do("STATUS 4"); got != "PENDING" {
			t.Fatalf("STATUS 4 = %q", got)
		}
		leaver.c.Close()

		other := dial(t, addr)
		if got := other.do("SUBMIT mine"); got != "ID 5" {
			t.Fatalf("other client SUBMIT = %q", got)
		}
		fmt.Fprintf(other.c, "WATCH 5\n")
		close(g.open)
		if got := other.line(); got != "DONE 5 r-mine" {
			t.Fatalf("other client push = %q", got)
		}
		for i := 1; i <= 4; i++ {
			fmt.Fprintf(other.c, "WATCH %d\n", i)
			if got, want := other.line(), fmt.Sprintf("DONE %d r-j%d", i, i); got != want {
				t.Fatalf("WATCH %d = %q, want %q", i, got, want)
			}
		}
	})
}

// TestRealWork runs the example as main does, on each engine, with the real
// hashing work, and checks the results independently.
func TestRealWork(t *testing.T) {
	for _, engine := range cmdtest.Engines {
		t.Run(engine.String(), func(t *testing.T) {
			o := options{Options: cmd.Options{Addr: "127.0.0.1:0", Engine: engine, Loops: 1, Level: zapcore.WarnLevel},
				workers: 2, queue: 64, retain: 1000, rounds: 1000}
			addr := cmdtest.Start(t, engine, func(ctx context.Context, listening func(string)) error {
				return run(ctx, o, listening)
			})
			c := dial(t, addr)
			// Submit everything first: once WATCHes are out, pushes may
			// arrive between replies.
			want := map[string]string{}
			for i := range 20 {
				arg := fmt.Sprintf("work-%d", i)
				id, ok := strings.CutPrefix(c.do("SUBMIT "+arg), "ID ")
				if !ok {
					t.Fatalf("SUBMIT %s: no id", arg)
				}
				want[id] = sha256Rounds(arg, o.rounds)
			}
			for id := range want {
				fmt.Fprintf(c.c, "WATCH %s\n", id)
			}
			// Pushes and immediate replies arrive in any order.
			for range 20 {
				var id, result string
				if _, err := fmt.Sscanf(c.line(), "DONE %s %s", &id, &result); err != nil {
					t.Fatal(err)
				}
				if want[id] != result {
					t.Fatalf("job %s = %s, want %s", id, result, want[id])
				}
				delete(want, id)
			}
			c.c.Close()
		})
	}
}

func sha256Rounds(arg string, rounds int) string {
	b := []byte(arg)
	for range rounds {
		s := sha256.Sum256(b)
		b = s[:]
	}
	return hex.EncodeToString(b)
}

func TestLineTooLong(t *testing.T) {
	forEngine(t, func(t *testing.T, e conn.Engine) {
		addr := start(t, e, newPool(1, 1, 1), 1)
		c := dial(t, addr)
		fmt.Fprintf(c.c, "SUBMIT %s\n", strings.Repeat("x", maxLine+10))
		if got := c.line(); got != "ERR line too long" {
			t.Fatalf("got %q", got)
		}
		if _, err := c.r.ReadByte(); err == nil {
			t.Fatal("connection still open after an oversized line")
		}
	})
}

// TestWatchFlood: a client that sends 65,536 WATCHes of one job is
// answered BUSY past its bound of pending watches, the job's completion
// pushes only the watches accepted, and another client is served
// meanwhile.
func TestWatchFlood(t *testing.T) {
	forEngine(t, func(t *testing.T, e conn.Engine) {
		g := newGate()
		p := newPool(8, 100, 1)
		p.work = g.work
		addr := start(t, e, p, 1)
		flooder := dial(t, addr)
		if got := flooder.do("SUBMIT x"); got != "ID 1" {
			t.Fatalf("SUBMIT x = %q", got)
		}
		<-g.started
		const watches = 65536
		go fmt.Fprint(flooder.c, strings.Repeat("WATCH 1\n", watches))
		busy := 0
		for busy < watches-defaultMaxWatches {
			if got := flooder.line(); got != "BUSY" {
				t.Fatalf("after %d BUSY: %q, want BUSY", busy, got)
			}
			busy++
		}
		victim := dial(t, addr)
		if got := victim.do("STATUS 1"); got != "PENDING" {
			t.Fatalf("STATUS 1 beside the flood = %q", got)
		}
		close(g.open)
		for i := range defaultMaxWatches {
			if got := flooder.line(); got != "DONE 1 r-x" {
				t.Fatalf("push %d = %q", i, got)
			}
		}
		if got := flooder.do("STATUS 1"); got != "DONE r-x" {
			t.Fatalf("STATUS 1 after the pushes = %q; more pushes than watches accepted?", got)
		}
	})
}
