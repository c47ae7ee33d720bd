// Package conntest is the conformance suite every netloop engine must pass.
// Run drives an engine over real loopback TCP connections through the
// behaviours the conn package documents: echo of small and large payloads,
// input consumed in part, a thousand concurrent connections, half-close and
// reset by the client, close after pending writes, writes and wake-ups from
// other goroutines, OnClose exactly once with the right cause, back-pressure
// on a client that never reads, deadlines, timers, read-idle and
// write-stall timeouts, loops as handles and their hooks, misbehaving
// handlers, graceful shutdown, hostile load (huge frames, AsyncWrite
// floods, never-reading flooders, the server's memory budget), and no
// leaked goroutines or descriptors afterwards.
//
// The suite is itself validated against a goroutine-per-connection reference
// engine (see the package's tests), so a failure means an engine bug.
package conntest

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// Listener opens an engine's server on addr; Run always passes a
// 127.0.0.1 address (port 0 but where a test needs an address in use) and a
// Config with Loops set.
type Listener func(addr string, cfg conn.Config) (conn.Server, error)

// timeout bounds every wait in the suite, so that a broken engine fails
// the test instead of hanging it.
const timeout = 20 * time.Second

// Run runs the whole suite against the engine that listen opens. Subtests
// run one after another, so descriptor and goroutine counts can be
// compared before and after.
func Run(t *testing.T, listen Listener) {
	// Counted from a subtest, as at the end, so that the goroutines of
	// the test framework itself are the same.
	var fds, goroutines int
	t.Run("Baseline", func(t *testing.T) { fds, goroutines = countFDs(t), runtime.NumGoroutine() })
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, listen Listener)
	}{
		{"EchoSmall", testEchoSmall},
		{"EchoLarge", testEchoLarge},
		{"MixedWrites", testMixedWrites},
		{"PartialConsume", testPartialConsume},
		{"ManyConns", testManyConns},
		{"AcceptEMFILE", testAcceptEMFILE},
		{"Addrs", testAddrs},
		{"ExclusiveListen", testExclusiveListen},
		{"Greeting", testGreeting},
		{"HalfClose", testHalfClose},
		{"CutShort", testCutShort},
		{"ClientReset", testClientReset},
		{"ResetMidWrite", testResetMidWrite},
		{"CloseAfterWrite", testCloseAfterWrite},
		{"CloseAfterLargeWrite", testCloseAfterLargeWrite},
		{"NoDataAfterClose", testNoDataAfterClose},
		{"CloseFromOtherGoroutine", testCloseFromOtherGoroutine},
		{"AsyncWrite", testAsyncWrite},
		{"AsyncWriteAfterClose", testAsyncWriteAfterClose},
		{"Wake", testWake},
		{"SlowReader", testSlowReader},
		{"MaxInput", testMaxInput},
		{"BadConsume", testBadConsume},
		{"HandlerPanic", testHandlerPanic},
		{"PanicKeepsOtherRequests", testPanicKeepsOtherRequests},
		{"PanicInCompletion", testPanicInCompletion},
		{"Deadline", testDeadline},
		{"DeadlineCleared", testDeadlineCleared},
		{"TimersInOrder", testTimersInOrder},
		{"ClosedConnTimers", testClosedConnTimers},
		{"ReadIdle", testReadIdle},
		{"WriteStall", testWriteStall},
		{"LoopStable", testLoopStable},
		{"Post", testPost},
		{"LoopHooks", testLoopHooks},
		{"Shutdown", testShutdown},
		{"Drain", testDrain},
		{"DrainDeadline", testDrainDeadline},
		{"DrainIdle", testDrainIdle},
		{"DrainBeforeServe", testDrainBeforeServe},
		{"DrainAcceptQueue", testDrainAcceptQueue},
		{"DrainDuringAccepts", testDrainDuringAccepts},
		{"Stats", testStats},
		{"StatsPaused", testStatsPaused},
		{"LargeFrames", testLargeFrames},
		{"AsyncWriteFlood", testAsyncWriteFlood},
		{"Flooders", testFlooders},
		{"MemoryBudget", testMemoryBudget},
		{"DialFromHandler", testDialFromHandler},
		{"UnixEcho", testUnixEcho},
		{"UnixStale", testUnixStale},
		{"UnixSpread", testUnixSpread},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, listen) })
	}
	for _, tc := range dialCases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, serverSite(listen)) })
	}
	t.Run("NoLeaks", func(t *testing.T) { checkLeaks(t, fds, goroutines) })
}

// server is an engine serving a handler for one test.
type server struct {
	srv    conn.Server
	addr   string
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// serve starts an engine with h on 127.0.0.1:0 and stops it when the test
// ends, failing the test if Serve does not return in time.
func serve(t *testing.T, listen Listener, cfg conn.Config, h conn.Handler) *server {
	t.Helper()
	if cfg.Loops == 0 {
		cfg.Loops = 2
	}
	s, err := listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	if e := s.Engine(); e == conn.EngineAuto {
		t.Errorf("Server.Engine() = %q, want the engine's name", e)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &server{srv: s, addr: s.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { srv.done <- s.Serve(ctx, h) }()
	t.Cleanup(func() { srv.stop(t) })
	return srv
}

// Stats returns the server's statistics, for statsOf.
func (s *server) Stats() conn.Stats { return s.srv.Stats() }

// stop cancels the server and waits for Serve to return.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.once.Do(func() {
		s.cancel()
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("Serve returned %v after cancellation, want nil", err)
			}
		case <-time.After(timeout):
			t.Fatalf("Serve did not return within %v of cancellation", timeout)
		}
	})
}

func (s *server) dial(t *testing.T) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.addr, timeout)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(timeout))
	return c.(*net.TCPConn)
}

// recorder wraps a handler and records every OnOpen and OnClose, failing
// the test if a connection is closed twice or never opened.
type recorder struct {
	conn.Handler
	t *testing.T

	mu     sync.Mutex
	open   map[conn.Conn]bool
	causes []error
	closed chan error // one value per OnClose, in order
}

func record(t *testing.T, h conn.Handler) *recorder {
	return &recorder{Handler: h, t: t, open: map[conn.Conn]bool{}, closed: make(chan error, 4096)}
}

func (r *recorder) OnOpen(c conn.Conn) {
	r.mu.Lock()
	if _, seen := r.open[c]; seen {
		r.t.Errorf("OnOpen called twice for %v", c.RemoteAddr())
	}
	r.open[c] = true
	r.mu.Unlock()
	r.Handler.OnOpen(c)
}

func (r *recorder) OnClose(c conn.Conn, err error) {
	r.mu.Lock()
	switch open, seen := r.open[c]; {
	case !seen:
		r.t.Errorf("OnClose for a connection never opened: %v", c.RemoteAddr())
	case !open:
		r.t.Errorf("OnClose called twice for %v", c.RemoteAddr())
	}
	r.open[c] = false
	r.causes = append(r.causes, err)
	r.mu.Unlock()
	r.Handler.OnClose(c, err)
	r.closed <- err
}

// OnWake forwards to the wrapped handler if it wants wake-ups.
func (r *recorder) OnWake(c conn.Conn) {
	if w, ok := r.Handler.(conn.WakeHandler); ok {
		w.OnWake(c)
	}
}

// nextClose waits for the next OnClose and returns its cause.
func (r *recorder) nextClose(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.closed:
		return err
	case <-time.After(timeout):
		t.Fatalf("no OnClose within %v", timeout)
		return nil
	}
}

// stillOpen counts connections opened and not yet closed.
func (r *recorder) stillOpen() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, open := range r.open {
		if open {
			n++
		}
	}
	return n
}

// echo writes back everything it gets.
type echo struct{}

func (echo) OnOpen(conn.Conn)                  {}
func (echo) OnData(c conn.Conn, in []byte) int { c.Write(in); return len(in) }
func (echo) OnClose(conn.Conn, error)          {}

// roundTrip writes msg and reads back exactly len(msg) bytes.
func roundTrip(t *testing.T, c net.Conn, msg []byte) []byte {
	t.Helper()
	if _, err := c.Write(msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	return got
}

// readToEOF reads until the server closes, failing on any other error.
func readToEOF(t *testing.T, c net.Conn) []byte {
	t.Helper()
	b, err := io.ReadAll(bufio.NewReader(c))
	if err != nil {
		t.Fatalf("read to EOF: %v", err)
	}
	return b
}

// expectCause checks an OnClose cause against want (nil means want nil).
func expectCause(t *testing.T, got, want error) {
	t.Helper()
	if want == nil && got != nil || want != nil && !errors.Is(got, want) {
		t.Errorf("OnClose cause = %v, want %v", got, want)
	}
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count descriptors: %v", err)
	}
	return len(ents)
}

// fdTargets lists what the process's descriptors refer to, to say what
// leaked.
func fdTargets() []string {
	ents, _ := os.ReadDir("/proc/self/fd")
	var out []string
	for _, e := range ents {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		out = append(out, e.Name()+"="+target)
	}
	return out
}

// checkLeaks waits briefly for goroutines and descriptors to return to
// what they were before the suite, and fails if they do not.
func checkLeaks(t *testing.T, fds, goroutines int) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		nfd, ng := countFDs(t), runtime.NumGoroutine()
		if nfd <= fds && ng <= goroutines {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("leak: %d descriptors (was %d): %v, %d goroutines (was %d)\n%s", nfd, fds, fdTargets(), ng, goroutines, buf)
		}
		time.Sleep(20 * time.Millisecond) // polling for teardown, not synchronising
	}
}
