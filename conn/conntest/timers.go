package conntest

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// timerOrder sets, on open, timers out of order, one of them at the same
// instant as another, one stopped and one moved, each writing its name,
// and a last one that checks the Timer results and closes.
type timerOrder struct {
	echo
	errs chan string
}

func (h timerOrder) OnOpen(c conn.Conn) {
	say := func(s string) func(conn.Conn) { return func(c conn.Conn) { c.Write([]byte(s)) } }
	c.AfterFunc(60*time.Millisecond, say("c"))
	a := c.AfterFunc(20*time.Millisecond, say("a"))
	c.AfterFunc(60*time.Millisecond, say("d")) // due with c, set after it
	stopped := c.AfterFunc(40*time.Millisecond, say("x"))
	moved := c.AfterFunc(time.Hour, say("b"))
	if !stopped.Stop() {
		h.errs <- "Stop of a pending timer returned false"
	}
	if stopped.Stop() {
		h.errs <- "second Stop returned true"
	}
	if !moved.Reset(40 * time.Millisecond) {
		h.errs <- "Reset of a pending timer returned false"
	}
	c.AfterFunc(120*time.Millisecond, func(c conn.Conn) {
		if a.Stop() {
			h.errs <- "Stop of a timer that fired returned true"
		}
		c.Close()
	})
}

// testTimersInOrder: connection timers fire in the order they are due
// (set order among equals); a stopped one never fires; Reset moves one;
// what they Write is sent.
func testTimersInOrder(t *testing.T, listen Listener) {
	h := timerOrder{errs: make(chan string, 8)}
	s := serve(t, listen, conn.Config{}, record(t, h))
	c := s.dial(t)
	if got := string(readToEOF(t, c)); got != "abcd" {
		t.Errorf("timers wrote %q, want %q", got, "abcd")
	}
	close(h.errs)
	for e := range h.errs {
		t.Error(e)
	}
}

// closedTimers closes its connection at the first byte; the connection's
// timers, one due well before a loop timer set with them, must not fire,
// and neither must one set during OnClose.
type closedTimers struct {
	echo
	mu       sync.Mutex
	fired    []string
	sentinel chan struct{}
}

func (h *closedTimers) note(s string) {
	h.mu.Lock()
	h.fired = append(h.fired, s)
	h.mu.Unlock()
}

func (h *closedTimers) OnOpen(c conn.Conn) {
	c.AfterFunc(150*time.Millisecond, func(conn.Conn) { h.note("connection timer") })
	c.AfterFunc(0, func(conn.Conn) {}).Stop()
}

func (h *closedTimers) OnData(c conn.Conn, in []byte) int {
	c.Close()
	return len(in)
}

func (h *closedTimers) OnClose(c conn.Conn, _ error) {
	c.AfterFunc(0, func(conn.Conn) { h.note("timer set in OnClose") })
	c.Loop().AfterFunc(300*time.Millisecond, func() { close(h.sentinel) })
}

// testClosedConnTimers: timers of a closed connection never fire.
func testClosedConnTimers(t *testing.T, listen Listener) {
	h := &closedTimers{sentinel: make(chan struct{})}
	rec := record(t, h)
	s := serve(t, listen, conn.Config{}, rec)
	c := s.dial(t)
	c.Write([]byte("x"))
	expectCause(t, rec.nextClose(t), nil)
	select {
	case <-h.sentinel:
	case <-time.After(timeout):
		t.Fatal("the loop timer set in OnClose never fired")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.fired {
		t.Errorf("%s fired after the connection closed", f)
	}
}

// idler sets a read-idle timeout on open and echoes.
type idler struct {
	echo
	idle time.Duration
}

func (h idler) OnOpen(c conn.Conn) { c.SetReadIdleTimeout(h.idle) }

// testReadIdle: input keeps a connection with a read-idle timeout open
// past the timeout; silence then closes it with conn.ErrReadIdle, which
// matches os.ErrDeadlineExceeded.
func testReadIdle(t *testing.T, listen Listener) {
	const idle = 400 * time.Millisecond
	h := record(t, idler{idle: idle})
	s := serve(t, listen, conn.Config{}, h)
	c := s.dial(t)
	start := time.Now()
	for time.Since(start) < 2*idle {
		if got := roundTrip(t, c, []byte("ping")); string(got) != "ping" {
			t.Fatalf("echo = %q", got)
		}
		time.Sleep(idle / 8) // pacing the client, not synchronising
	}
	quiet := time.Now()
	err := h.nextClose(t)
	expectCause(t, err, conn.ErrReadIdle)
	expectCause(t, err, os.ErrDeadlineExceeded)
	if d := time.Since(quiet); d < idle/2 {
		t.Errorf("closed %v after the last input, timeout %v", d, idle)
	}
	expectClosedByServer(t, c)
}

// staller writes more than the kernel can buffer to a client that never
// reads.
type staller struct{ echo }

func (staller) OnOpen(c conn.Conn) {
	c.SetWriteStallTimeout(200 * time.Millisecond)
	c.Write(make([]byte, 64<<20))
}

// testWriteStall: output the peer takes none of for the write-stall
// timeout closes the connection with conn.ErrWriteStall.
func testWriteStall(t *testing.T, listen Listener) {
	h := record(t, staller{})
	s := serve(t, listen, conn.Config{}, h)
	c := s.dial(t)
	err := h.nextClose(t)
	expectCause(t, err, conn.ErrWriteStall)
	expectCause(t, err, os.ErrDeadlineExceeded)
	c.Close()
}

// deadlineMover sets a deadline, moves it later, then clears it, and
// closes the connection itself from a timer after the first deadline
// would have passed.
type deadlineMover struct{ echo }

func (deadlineMover) OnOpen(c conn.Conn) {
	c.SetDeadline(time.Now().Add(50 * time.Millisecond))
	c.SetDeadline(time.Now().Add(time.Hour))
	c.SetDeadline(time.Time{})
	c.AfterFunc(200*time.Millisecond, func(c conn.Conn) { c.Write([]byte("ok")); c.Close() })
}

// testDeadlineCleared: a deadline moved and then removed never fires.
func testDeadlineCleared(t *testing.T, listen Listener) {
	h := record(t, deadlineMover{})
	s := serve(t, listen, conn.Config{}, h)
	c := s.dial(t)
	if got := readToEOF(t, c); string(got) != "ok" {
		t.Errorf("got %q, want ok", got)
	}
	expectCause(t, h.nextClose(t), nil)
}
