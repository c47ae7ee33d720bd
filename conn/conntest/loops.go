package conntest

import (
	"bufio"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// loopWatcher records, for each connection, the loop it reports in every
// callback and timer, and fails if that changes.
type loopWatcher struct {
	echo
	mu   sync.Mutex
	errs []string
	seen map[conn.Conn]int
}

func (h *loopWatcher) check(c conn.Conn, where string) {
	l := c.Loop()
	h.mu.Lock()
	defer h.mu.Unlock()
	if l.Count() < 1 || l.Index() < 0 || l.Index() >= l.Count() {
		h.errs = append(h.errs, fmt.Sprintf("%s: loop %d of %d", where, l.Index(), l.Count()))
	}
	if i, ok := h.seen[c]; ok && i != l.Index() {
		h.errs = append(h.errs, fmt.Sprintf("%s: loop %d, was %d", where, l.Index(), i))
	}
	h.seen[c] = l.Index()
}

func (h *loopWatcher) OnOpen(c conn.Conn) {
	h.check(c, "OnOpen")
	c.AfterFunc(time.Millisecond, func(c conn.Conn) { h.check(c, "timer") })
}

func (h *loopWatcher) OnData(c conn.Conn, in []byte) int {
	h.check(c, "OnData")
	c.Write(in)
	return len(in)
}

func (h *loopWatcher) OnClose(c conn.Conn, _ error) { h.check(c, "OnClose") }

// testLoopStable: a connection's loop is the same in every callback, and
// its index lies within the count.
func testLoopStable(t *testing.T, listen Listener) {
	h := &loopWatcher{seen: map[conn.Conn]int{}}
	rec := record(t, h)
	s := serve(t, listen, conn.Config{Loops: 2}, rec)
	const n = 16
	for range n {
		c := s.dial(t)
		roundTrip(t, c, []byte("hello"))
		c.Close()
	}
	for range n {
		rec.nextClose(t)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.errs {
		t.Error(e)
	}
}

// testPost: functions posted to a connection's loop from another
// goroutine run there, in the order posted, and may write to the loop's
// connections.
func testPost(t *testing.T, listen Listener) {
	ho := handOff{conns: make(chan conn.Conn, 1)}
	s := serve(t, listen, conn.Config{}, record(t, ho))
	c := s.dial(t)
	sc := ho.next(t)
	const n = 100
	go func() {
		for i := range n {
			if err := sc.Loop().Post(func() { fmt.Fprintf(connWriter{sc}, "%d\n", i) }); err != nil {
				t.Errorf("Post: %v", err)
				return
			}
		}
	}()
	r := bufio.NewScanner(c)
	for i := range n {
		if !r.Scan() {
			t.Fatalf("after %d lines: %v", i, r.Err())
		}
		if want := fmt.Sprint(i); r.Text() != want {
			t.Fatalf("line %d = %q, want %q (out of order)", i, r.Text(), want)
		}
	}
}

// hooks records loop starts, stops and ticks.
type hooks struct {
	echo
	mu      sync.Mutex
	started map[int]int // loop index → OnLoopStart calls
	stopped map[int]int
	loops   []conn.Loop
	ticked  chan int // loop index, at each tick
	errs    []string
}

func (h *hooks) OnLoopStart(l conn.Loop) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.started[l.Index()]++
	h.loops = append(h.loops, l)
}

func (h *hooks) OnLoopStop(l conn.Loop) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped[l.Index()]++
	if err := l.Post(func() {}); !errors.Is(err, conn.ErrServerClosed) {
		h.errs = append(h.errs, fmt.Sprintf("Post in OnLoopStop = %v, want ErrServerClosed", err))
	}
}

func (h *hooks) OnTick(l conn.Loop) time.Duration {
	select {
	case h.ticked <- l.Index():
	default:
	}
	return 10 * time.Millisecond
}

// OnOpen checks that every loop had started before this connection.
func (h *hooks) OnOpen(c conn.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.loops) != c.Loop().Count() {
		h.errs = append(h.errs, fmt.Sprintf("OnOpen after %d OnLoopStart calls, want %d", len(h.loops), c.Loop().Count()))
	}
}

// testLoopHooks: OnLoopStart once per loop, all before any connection;
// ticks on every loop; OnLoopStop once per loop at shutdown, when posting
// fails.
func testLoopHooks(t *testing.T, listen Listener) {
	h := &hooks{started: map[int]int{}, stopped: map[int]int{}, ticked: make(chan int, 64)}
	s := serve(t, listen, conn.Config{Loops: 2}, h)
	c := s.dial(t)
	roundTrip(t, c, []byte("x"))
	h.mu.Lock()
	count := len(h.loops)
	h.mu.Unlock()
	if count == 0 {
		t.Fatal("no OnLoopStart before a connection was served")
	}
	ticked := map[int]bool{}
	deadline := time.After(timeout)
	for len(ticked) < count {
		select {
		case i := <-h.ticked:
			ticked[i] = true
		case <-deadline:
			t.Fatalf("ticks heard from loops %v of %d", ticked, count)
		}
	}
	c.Close()
	s.stop(t)
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range count {
		if h.started[i] != 1 || h.stopped[i] != 1 {
			t.Errorf("loop %d: %d OnLoopStart and %d OnLoopStop calls, want 1 each", i, h.started[i], h.stopped[i])
		}
	}
	if len(h.started) != count || len(h.stopped) != count {
		t.Errorf("hooks for loops %v and %v, want %d loops", h.started, h.stopped, count)
	}
	for _, e := range h.errs {
		t.Error(e)
	}
}
