package conntest

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// statsHandler echoes lines, and on some lines does what makes a
// connection end for a given cause.
type statsHandler struct{}

func (statsHandler) OnOpen(conn.Conn) {}

func (statsHandler) OnData(c conn.Conn, in []byte) int {
	i := bytes.IndexByte(in, '\n')
	if i < 0 {
		return 0 // wait for the line; a long one passes MaxInput
	}
	switch line := string(in[:i]); line {
	case "close":
		c.Close()
	case "deadline":
		c.SetDeadline(time.Now().Add(50 * time.Millisecond))
	case "panic":
		panic("counted")
	default:
		c.Write(in[:i+1])
	}
	return i + 1
}

func (statsHandler) OnClose(conn.Conn, error) {}

// statsOf waits until the server's counters, added up over its loops,
// satisfy ok, and fails the test with the last snapshot if they do not
// within the suite's timeout. Loops publish once per iteration, so a
// count is visible soon after the event, not at once.
func statsOf(t *testing.T, s interface{ Stats() conn.Stats }, what string, ok func(conn.LoopStats) bool) conn.LoopStats {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := s.Stats()
		tot := st.Total()
		if len(st.Loops) == 0 {
			t.Skipf("engine %s keeps no statistics", st.Engine)
		}
		if ok(tot) {
			return tot
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: counters never got there: %+v", what, tot)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testStats drives each counter a known number of times and checks that it
// moved by exactly that much.
func testStats(t *testing.T, listen Listener) {
	h := record(t, statsHandler{})
	s := serve(t, listen, conn.Config{MaxInput: 1024}, h)
	statsOf(t, s, "a new server", func(st conn.LoopStats) bool {
		return st == conn.LoopStats{Loop: -1}
	})

	// An echo, then the peer closes: bytes both ways, one EOF.
	c := s.dial(t)
	msg := strings.Repeat("m", 99) + "\n"
	roundTrip(t, c, []byte(msg))
	c.CloseWrite()
	readToEOF(t, c)
	h.nextClose(t)
	st := statsOf(t, s, "echo and EOF", func(st conn.LoopStats) bool {
		return st.Closed.PeerEOF == 1 && st.Open == 0
	})
	if st.Accepted != 1 || st.BytesIn != 100 || st.BytesOut != 100 || st.Reads < 1 || st.Writes < 1 {
		t.Errorf("after one 100-byte echo: %+v", st)
	}

	// One connection ended by each cause.
	want := conn.CloseCounts{PeerEOF: 1}
	for _, tc := range []struct {
		name string
		send string
		adds func(*conn.CloseCounts)
	}{
		{name: "Close", send: "close\n", adds: func(c *conn.CloseCounts) { c.Local++ }},
		{name: "deadline", send: "deadline\n", adds: func(c *conn.CloseCounts) { c.Timeout++ }},
		{name: "MaxInput", send: strings.Repeat("x", 2048), adds: func(c *conn.CloseCounts) { c.InputTooLarge++ }},
		{name: "panic", send: "panic\n", adds: func(c *conn.CloseCounts) { c.HandlerPanic++ }},
		{name: "reset", adds: func(c *conn.CloseCounts) { c.Reset++ }},
	} {
		c := s.dial(t)
		roundTrip(t, c, []byte("hello\n"))
		if tc.send != "" {
			io.WriteString(c, tc.send)
		} else {
			c.SetLinger(0) // close sends RST
			c.Close()
		}
		h.nextClose(t)
		tc.adds(&want)
		statsOf(t, s, tc.name, func(st conn.LoopStats) bool { return st.Closed == want && st.Open == 0 })
	}

	// Requests from another goroutine, counted once each.
	before := statsOf(t, s, "before requests", func(conn.LoopStats) bool { return true }).Requests
	c = s.dial(t)
	roundTrip(t, c, []byte("hello\n"))
	h.mu.Lock()
	var open conn.Conn
	for oc, isOpen := range h.open {
		if isOpen {
			open = oc
		}
	}
	h.mu.Unlock()
	for range 3 {
		if err := open.AsyncWrite([]byte("async\n"), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := io.ReadFull(c, make([]byte, 3*len("async\n"))); err != nil {
		t.Fatal(err)
	}
	st = statsOf(t, s, "three AsyncWrites", func(st conn.LoopStats) bool { return st.Requests == before+3 })
	if st.Open != 1 || st.Accepted != 7 {
		t.Errorf("with one connection open of seven: %+v", st)
	}

	// Shutdown closes the one left open.
	s.stop(t)
	h.nextClose(t)
	want.ServerClosed++
	statsOf(t, s, "shutdown", func(st conn.LoopStats) bool { return st.Closed == want && st.Open == 0 })
}

// testStatsPaused: a client that stops reading pauses its connection
// (Paused is 1), and resumes it once it drains (Paused is 0 again).
func testStatsPaused(t *testing.T, listen Listener) {
	s := serve(t, listen, conn.Config{WriteHighWater: 64 << 10}, echo{})
	c := s.dial(t)
	const total = 8 << 20
	sent := make(chan error, 1)
	go func() {
		_, err := c.Write(bytes.Repeat([]byte("p"), total))
		sent <- err
	}()
	statsOf(t, s, "a client that does not read", func(st conn.LoopStats) bool { return st.Paused == 1 })
	if n, err := io.ReadFull(c, make([]byte, total)); err != nil {
		t.Fatalf("read %d of %d echoed bytes: %v", n, total, err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	statsOf(t, s, "the client drained", func(st conn.LoopStats) bool {
		return st.Paused == 0 && st.BytesOut == total
	})
}
