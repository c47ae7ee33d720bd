package engine

import (
	"bytes"
	"errors"
	"github.com/netloop/netloop/conn"
	"io"
	"net"
	"strings"
	"testing"
)

// testConn is the smallest engine connection: the core alone.
type testConn struct{ Core }

// script is a handler whose OnData is set per test.
type script struct {
	data   func(c conn.Conn, in []byte) int
	closed []error
	woken  int
}

func (s *script) OnOpen(conn.Conn)                  {}
func (s *script) OnData(c conn.Conn, in []byte) int { return s.data(c, in) }
func (s *script) OnClose(_ conn.Conn, err error)    { s.closed = append(s.closed, err) }
func (s *script) OnWake(conn.Conn)                  { s.woken++ }

func newTestConn(cfg conn.Config) (*testConn, *Loop, *int) {
	wakes := new(int)
	l := &Loop{}
	l.Init(cfg, func() error { *wakes++; return nil })
	c := &testConn{}
	c.Init(c, l, &net.TCPAddr{}, &net.TCPAddr{})
	return c, l, wakes
}

func TestDeliverKeepsWhatIsNotConsumed(t *testing.T) {
	c, _, _ := newTestConn(conn.Config{})
	var seen []string
	h := &script{data: func(_ conn.Conn, in []byte) int {
		seen = append(seen, string(in))
		if i := bytes.IndexByte(in, '\n'); i >= 0 {
			return i + 1
		}
		return 0
	}}
	for _, chunk := range []string{"ab", "c\nde", "f\n"} {
		if err := c.Deliver(h, []byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"ab", "abc\nde", "def\n"}
	if len(seen) != len(want) {
		t.Fatalf("OnData saw %q, want %q", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("OnData saw %q, want %q", seen, want)
		}
	}
	if c.in.buf != nil {
		t.Error("input buffer kept after everything was consumed; idle connections must hold none")
	}
}

func TestDeliverErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxInput int
		consume  func(in []byte) int
		chunks   []string
		want     error
	}{
		{name: "over-consume", consume: func(in []byte) int { return len(in) + 1 }, chunks: []string{"x"}, want: conn.ErrBadConsume},
		{name: "negative", consume: func([]byte) int { return -1 }, chunks: []string{"x"}, want: conn.ErrBadConsume},
		{name: "too much left at once", maxInput: 4, consume: func([]byte) int { return 0 }, chunks: []string{"12345"}, want: conn.ErrInputTooLarge},
		{name: "too much left over time", maxInput: 4, consume: func([]byte) int { return 0 }, chunks: []string{"123", "45"}, want: conn.ErrInputTooLarge},
		{name: "at the limit", maxInput: 4, consume: func([]byte) int { return 0 }, chunks: []string{"12", "34"}, want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := newTestConn(conn.Config{MaxInput: tc.maxInput})
			h := &script{data: func(_ conn.Conn, in []byte) int { return tc.consume(in) }}
			var err error
			for _, ch := range tc.chunks {
				if err = c.Deliver(h, []byte(ch)); err != nil {
					break
				}
			}
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("Deliver = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestOutboundHighWaterAndCompletions(t *testing.T) {
	c, l, _ := newTestConn(conn.Config{WriteHighWater: 8})
	h := &script{}
	var done []string
	note := func(name string) func(conn.Conn, error) {
		return func(_ conn.Conn, err error) { done = append(done, name+":"+errString(err)) }
	}
	c.Write([]byte("0123"))
	l.Do(h, Request{Kind: RequestWrite, Conn: &c.Core, Data: []byte("4567"), Done: note("a")})
	l.Do(h, Request{Kind: RequestWrite, Conn: &c.Core, Data: []byte("89"), Done: note("b")})
	if got := string(c.Pending()); got != "0123456789" {
		t.Fatalf("Pending = %q", got)
	}
	if !c.OverHighWater() {
		t.Fatal("10 bytes pending over a mark of 8: want paused")
	}
	steps := []struct {
		n          int
		wantResume bool
		wantDone   string
	}{
		{n: 3, wantResume: false, wantDone: ""},     // 7 left: still over half the mark
		{n: 5, wantResume: true, wantDone: "a:ok"},  // 2 left; "4567" fully sent
		{n: 2, wantResume: false, wantDone: "b:ok"}, // all sent
	}
	for i, s := range steps {
		done = done[:0]
		if resume := c.Advance(s.n); resume != s.wantResume {
			t.Errorf("step %d: resume = %v, want %v", i, resume, s.wantResume)
		}
		if got := strings.Join(done, ","); got != s.wantDone {
			t.Errorf("step %d: completions %q, want %q", i, got, s.wantDone)
		}
	}
	if c.out.len() != 0 || c.out != nil {
		t.Error("output buffer kept after everything was sent; idle connections must hold none")
	}
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func TestLoopCoalescesWakeUps(t *testing.T) {
	c, l, wakes := newTestConn(conn.Config{})
	h := &script{}
	for range 10 {
		c.Wake() // the loop is awake: no wake-up needed
	}
	if *wakes != 0 {
		t.Fatalf("%d wake-ups while the loop was awake, want 0", *wakes)
	}
	if l.PrepareSleep() {
		t.Fatal("PrepareSleep = true with requests waiting, want false")
	}
	for r, ok := l.NextRequest(); ok; r, ok = l.NextRequest() {
		l.Do(h, r)
	}
	if h.woken != 10 {
		t.Fatalf("OnWake ran %d times, want 10", h.woken)
	}
	if !l.PrepareSleep() {
		t.Fatal("PrepareSleep = false with nothing queued")
	}
	for range 10 {
		c.Wake()
	}
	if *wakes != 1 {
		t.Fatalf("%d wake-ups for one sleep, want exactly 1", *wakes)
	}
	l.Woke()
}

func TestFinishRunsOnCloseOnceAndFailsCompletions(t *testing.T) {
	c, l, _ := newTestConn(conn.Config{})
	h := &script{}
	var got []error
	l.Do(h, Request{Kind: RequestWrite, Conn: &c.Core, Data: []byte("unsent"), Done: func(_ conn.Conn, err error) { got = append(got, err) }})
	c.Finish(h, conn.ErrServerClosed)
	c.Finish(h, nil)
	if len(h.closed) != 1 || h.closed[0] != conn.ErrServerClosed {
		t.Errorf("OnClose causes = %v, want one conn.ErrServerClosed", h.closed)
	}
	if len(got) != 1 || !errors.Is(got[0], net.ErrClosed) {
		t.Errorf("completion errors = %v, want one net.ErrClosed", got)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Finish = %v, want net.ErrClosed", err)
	}
	l.Do(h, Request{Kind: RequestWrite, Conn: &c.Core, Data: []byte("late"), Done: func(_ conn.Conn, err error) { got = append(got, err) }})
	if len(got) != 2 || !errors.Is(got[1], net.ErrClosed) {
		t.Errorf("late completion errors = %v, want net.ErrClosed", got)
	}
}

// TestBuffersStayPooled checks that once the pools are warm, traffic of any
// size up to the largest class allocates nothing: not after a phase of
// small messages (a pool tuned to past sizes would drop the large buffers),
// not when leftovers grow.
func TestBuffersStayPooled(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random")
	}
	c, _, _ := newTestConn(conn.Config{})
	h := &script{}
	cycle := func(msg []byte) func() {
		return func() {
			c.Write(msg[:len(msg)/2])
			c.Write(msg[len(msg)/2:]) // may grow the buffer
			c.Advance(len(c.Pending()))
			h.data = func(_ conn.Conn, in []byte) int { return len(in) / 2 }
			c.Deliver(h, msg) // keeps half
			h.data = func(_ conn.Conn, in []byte) int { return len(in) }
			c.Deliver(h, msg) // grows the leftover, then consumes it all
		}
	}
	for _, size := range []int{64, 4096, 60 << 10, 64} {
		f := cycle(make([]byte, size))
		for range 10 {
			f() // warm this size's classes
		}
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("size %d: %.1f allocations per write and read cycle, want 0", size, n)
		}
	}
}

func TestSizeClasses(t *testing.T) {
	for _, tc := range []struct{ n, classFor, classOf int }{
		{n: 1, classFor: 0, classOf: -1},
		{n: 512, classFor: 0, classOf: 0},
		{n: 513, classFor: 1, classOf: 0},
		{n: 1024, classFor: 1, classOf: 1},
		{n: 1500, classFor: 2, classOf: 1},
		{n: 128 << 10, classFor: 8, classOf: 8},
		{n: 128<<10 + 1, classFor: 9, classOf: 8},
	} {
		if got := classFor(tc.n); got != tc.classFor {
			t.Errorf("classFor(%d) = %d, want %d", tc.n, got, tc.classFor)
		}
		if got := classOf(tc.n); got != tc.classOf {
			t.Errorf("classOf(%d) = %d, want %d", tc.n, got, tc.classOf)
		}
		if i := classFor(tc.n); i < numClasses && 512<<i < tc.n {
			t.Errorf("class %d cannot hold %d bytes", i, tc.n)
		}
	}
}

// TestFinishSurvivesPanickingCompletion: every completion and OnClose run,
// in order, even when a completion panics.
func TestFinishSurvivesPanickingCompletion(t *testing.T) {
	c, l, _ := newTestConn(conn.Config{})
	h := &script{}
	var ran []string
	l.Do(h, Request{Kind: RequestWrite, Conn: &c.Core, Data: []byte("a"), Done: func(conn.Conn, error) { ran = append(ran, "a"); panic("bug") }})
	l.Do(h, Request{Kind: RequestWrite, Conn: &c.Core, Data: []byte("b"), Done: func(conn.Conn, error) { ran = append(ran, "b") }})
	func() {
		defer func() { recover() }()
		c.Finish(h, io.EOF)
	}()
	if strings.Join(ran, "") != "ab" || len(h.closed) != 1 {
		t.Errorf("completions ran %q and OnClose %d times; want \"ab\" and once", ran, len(h.closed))
	}
}
