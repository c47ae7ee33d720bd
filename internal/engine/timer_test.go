package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
)

// advance moves l's clock on by d without sleeping.
func advance(l *Loop, d time.Duration) { l.now += int64(d) }

// runDue runs what is due at l's clock, as an engine's iteration does, but
// without reading the real clock.
func runDue(l *Loop) []*Core {
	clear(l.expired)
	l.expired = l.expired[:0]
	last := l.seq
	for len(l.heap) > 0 && l.heap[0].when <= l.now && l.heap[0].seq <= last {
		t := l.heap[0]
		l.disarm(t)
		l.fire(t)
	}
	return l.expired
}

func TestTimersFireInOrder(t *testing.T) {
	_, l, _ := newTestConn(conn.Config{})
	var got []string
	add := func(d time.Duration, name string) conn.Timer {
		return l.AfterFunc(d, func() { got = append(got, name) })
	}
	add(30*time.Millisecond, "c1")
	add(10*time.Millisecond, "a")
	stopped := add(20*time.Millisecond, "stopped")
	add(30*time.Millisecond, "c2") // same instant as c1: after it
	moved := add(time.Hour, "b")
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop on a pending timer must return true once, then false")
	}
	if !moved.Reset(20 * time.Millisecond) {
		t.Error("Reset on a pending timer returned false")
	}
	if ms := l.WaitTimeout(); ms != 10 {
		t.Errorf("WaitTimeout = %d ms, want 10", ms)
	}
	advance(l, time.Hour)
	runDue(l)
	if want := []string{"a", "b", "c1", "c2"}; !slices.Equal(got, want) {
		t.Errorf("fired %q, want %q", got, want)
	}
	if moved.Stop() {
		t.Error("Stop after firing returned true")
	}
	if l.WaitTimeout() != -1 {
		t.Error("WaitTimeout with no timers left, want -1")
	}
}

// TestTimerSetByTimerWaits: a timer that sets itself again for now runs
// once per RunTimers, so it cannot hold the loop.
func TestTimerSetByTimerWaits(t *testing.T) {
	_, l, _ := newTestConn(conn.Config{})
	n := 0
	var again func()
	again = func() { n++; l.AfterFunc(0, again) }
	l.AfterFunc(0, again)
	for range 3 {
		runDue(l)
	}
	if n != 3 {
		t.Errorf("self-rearming timer ran %d times in 3 runs, want 3", n)
	}
}

func TestConnTimersStopAtFinish(t *testing.T) {
	c, l, _ := newTestConn(conn.Config{})
	h := &script{}
	fired := false
	c.AfterFunc(time.Millisecond, func(conn.Conn) { fired = true })
	tm := c.AfterFunc(time.Millisecond, func(conn.Conn) { fired = true })
	c.SetDeadline(time.Now().Add(time.Hour))
	c.SetReadIdleTimeout(time.Hour)
	c.Finish(h, nil)
	if len(l.heap) != 0 {
		t.Fatalf("%d timers left in the heap after Finish", len(l.heap))
	}
	if tm.Stop() || tm.Reset(0) {
		t.Error("Stop or Reset of a finished connection's timer returned true")
	}
	if late := c.AfterFunc(0, func(conn.Conn) { fired = true }); late.Stop() {
		t.Error("a timer set after Finish was armed")
	}
	advance(l, time.Hour)
	runDue(l)
	if fired {
		t.Error("a finished connection's timer fired")
	}
}

func TestTimeouts(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(c *testConn)
		poke func(c *testConn) // between two halves of the timeout
		want error
	}{
		{name: "deadline", set: func(c *testConn) { c.SetDeadline(time.Now().Add(100 * time.Millisecond)) }, want: os.ErrDeadlineExceeded},
		{name: "read idle", set: func(c *testConn) { c.SetReadIdleTimeout(100 * time.Millisecond) }, want: conn.ErrReadIdle},
		{name: "read idle kept open by reads", set: func(c *testConn) { c.SetReadIdleTimeout(100 * time.Millisecond) },
			poke: func(c *testConn) {
				c.Deliver(&script{data: func(_ conn.Conn, in []byte) int { return len(in) }}, []byte("x"))
			}},
		{name: "read idle while paused", set: func(c *testConn) {
			c.SetReadIdleTimeout(100 * time.Millisecond)
			c.set(flagPaused)
		}},
		{name: "write stall", set: func(c *testConn) {
			c.SetWriteStallTimeout(100 * time.Millisecond)
			c.Write([]byte("stuck"))
		}, want: conn.ErrWriteStall},
		{name: "write stall with progress", set: func(c *testConn) {
			c.SetWriteStallTimeout(100 * time.Millisecond)
			c.Write([]byte("slow"))
		}, poke: func(c *testConn) { c.Advance(1) }},
		{name: "write stall without output", set: func(c *testConn) { c.SetWriteStallTimeout(100 * time.Millisecond) }},
		{name: "cleared", set: func(c *testConn) {
			c.SetReadIdleTimeout(100 * time.Millisecond)
			c.SetWriteStallTimeout(100 * time.Millisecond)
			c.SetDeadline(time.Now().Add(100 * time.Millisecond))
			c.Write([]byte("x"))
			c.SetReadIdleTimeout(0)
			c.SetWriteStallTimeout(0)
			c.SetDeadline(time.Time{})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, l, _ := newTestConn(conn.Config{})
			l.now = monotime()
			tc.set(c)
			advance(l, 60*time.Millisecond)
			if exp := runDue(l); len(exp) != 0 {
				t.Fatalf("expired after 60ms of 100: %v", exp[0].TimedOut())
			}
			if tc.poke != nil {
				tc.poke(c)
			}
			advance(l, 60*time.Millisecond)
			exp := runDue(l)
			switch {
			case tc.want == nil && len(exp) != 0:
				t.Errorf("expired with %v, want open", exp[0].TimedOut())
			case tc.want != nil && (len(exp) != 1 || !errors.Is(exp[0].TimedOut(), tc.want)):
				t.Errorf("expired %d connections, want this one with %v", len(exp), tc.want)
			case tc.want != nil && !errors.Is(exp[0].TimedOut(), os.ErrDeadlineExceeded):
				t.Errorf("cause %v does not match os.ErrDeadlineExceeded", exp[0].TimedOut())
			}
		})
	}
}

// TestDeadlineMoves checks a deadline moved later, earlier, and cleared and
// set again: it expires the connection at the deadline last set, whatever
// the heap still holds from the earlier ones.
func TestDeadlineMoves(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, tc := range []struct {
		name string
		sets []struct{ at, to int } // at ms after the start, set the deadline to ms after the start (-1: clear)
		want int                    // ms after the start the connection expires (-1: never, within a second)
	}{
		{"pushed back", []struct{ at, to int }{{0, 100}, {60, 200}, {150, 300}}, 300},
		{"brought forward", []struct{ at, to int }{{0, 300}, {10, 100}}, 100},
		{"cleared", []struct{ at, to int }{{0, 100}, {50, -1}}, -1},
		{"cleared and set again later", []struct{ at, to int }{{0, 100}, {50, -1}, {60, 250}}, 250},
		{"cleared and set again earlier", []struct{ at, to int }{{0, 300}, {50, -1}, {60, 120}}, 120},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, l, _ := newTestConn(conn.Config{})
			start := monotime()
			l.now = start
			next := 0
			for step := 0; step <= 1000; step += 10 {
				l.now = start + int64(ms(step))
				for next < len(tc.sets) && tc.sets[next].at == step {
					if to := tc.sets[next].to; to < 0 {
						c.SetDeadline(time.Time{})
					} else {
						c.SetDeadline(epoch.Add(time.Duration(start) + ms(to)))
					}
					next++
				}
				if exp := runDue(l); len(exp) != 0 {
					if step != tc.want {
						t.Fatalf("expired at %d ms, want %d", step, tc.want)
					}
					if !errors.Is(exp[0].TimedOut(), os.ErrDeadlineExceeded) {
						t.Fatalf("expired with %v", exp[0].TimedOut())
					}
					return
				}
			}
			if tc.want >= 0 {
				t.Fatalf("never expired, want at %d ms", tc.want)
			}
		})
	}
}

func TestTimerPanicExpiresItsConn(t *testing.T) {
	c, l, _ := newTestConn(conn.Config{Logger: zap.NewNop()})
	c.AfterFunc(0, func(conn.Conn) { panic("boom") })
	l.AfterFunc(0, func() { panic("loop boom") })
	ran := false
	l.AfterFunc(0, func() { ran = true })
	exp := runDue(l)
	if len(exp) != 1 || exp[0] != &c.Core || !errors.Is(exp[0].TimedOut(), conn.ErrHandlerPanic) {
		t.Errorf("expired %v, want the connection with ErrHandlerPanic", exp)
	}
	if !ran {
		t.Error("a timer after the panicking ones did not run")
	}
}

func TestPostRunsOnNextRequest(t *testing.T) {
	_, l, wakes := newTestConn(conn.Config{Logger: zap.NewNop()})
	var got []int
	for i := range 3 {
		if err := l.Post(func() { got = append(got, i) }); err != nil {
			t.Fatal(err)
		}
	}
	l.Post(func() { panic("posted panic") })
	if _, ok := l.NextRequest(); ok {
		t.Fatal("NextRequest handed out a posted function")
	}
	if !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("posted functions ran as %v, want [0 1 2]", got)
	}
	_ = wakes
	l.RefuseRequests()
	if err := l.Post(func() {}); !errors.Is(err, conn.ErrServerClosed) {
		t.Errorf("Post after stop = %v, want ErrServerClosed", err)
	}
}

// TestHeapInvariant sets, moves and stops timers at random and checks the
// heap after each step against a sorted model.
func TestHeapInvariant(t *testing.T) {
	_, l, _ := newTestConn(conn.Config{})
	r := rand.New(rand.NewPCG(1, 2))
	var ts []conn.Timer
	for range 5000 {
		switch op := r.IntN(4); {
		case op < 2 || len(ts) == 0:
			ts = append(ts, l.AfterFunc(time.Duration(r.IntN(1000)), func() {}))
		case op == 2:
			ts[r.IntN(len(ts))].Reset(time.Duration(r.IntN(1000)))
		default:
			ts[r.IntN(len(ts))].Stop()
		}
		for i, tm := range l.heap {
			if int(tm.pos) != i+1 {
				t.Fatalf("heap[%d].pos = %d", i, tm.pos)
			}
			if i > 0 && before(tm, l.heap[(i-1)/4]) {
				t.Fatalf("heap[%d] is before its parent", i)
			}
		}
	}
}

// BenchmarkTimers measures the heap at the sizes a loop with that many
// connections, each with a read-idle timeout and a deadline, would hold.
// The cost of each operation grows with the logarithm of the count; a
// loop with nothing due pays nothing per connection.
func BenchmarkTimers(b *testing.B) {
	for _, n := range []int{1000, 100_000} {
		setup := func(b *testing.B) (*Loop, []*testConn) {
			_, l, _ := newTestConn(conn.Config{})
			cs := make([]*testConn, n)
			for i := range cs {
				c := &testConn{}
				c.Init(c, l, nil, nil)
				c.SetReadIdleTimeout(time.Duration(30+i%30) * time.Second)
				c.SetDeadline(time.Now().Add(time.Duration(60+i%60) * time.Second))
				cs[i] = c
			}
			b.ReportAllocs()
			b.ResetTimer()
			return l, cs
		}
		b.Run(fmt.Sprintf("op=reset-deadline/conns=%d", n), func(b *testing.B) {
			_, cs := setup(b)
			i := 0
			for b.Loop() {
				cs[i%n].SetDeadline(time.Now().Add(time.Duration(60+i%97) * time.Second))
				i++
			}
		})
		b.Run(fmt.Sprintf("op=read-with-idle-timeout/conns=%d", n), func(b *testing.B) {
			_, cs := setup(b)
			h := &script{data: func(_ conn.Conn, in []byte) int { return len(in) }}
			msg := []byte("x")
			i := 0
			for b.Loop() {
				cs[i%n].Deliver(h, msg)
				i++
			}
		})
		b.Run(fmt.Sprintf("op=run-nothing-due/conns=%d", n), func(b *testing.B) {
			l, _ := setup(b)
			for b.Loop() {
				l.RunTimers()
				l.WaitTimeout()
			}
		})
		b.Run(fmt.Sprintf("op=afterfunc-stop/conns=%d", n), func(b *testing.B) {
			_, cs := setup(b)
			f := func(conn.Conn) {}
			i := 0
			for b.Loop() {
				cs[i%n].AfterFunc(time.Duration(i%1000)*time.Millisecond, f).Stop()
				i++
			}
		})
		b.Run(fmt.Sprintf("op=fire-and-rearm-idle/conns=%d", n), func(b *testing.B) {
			l, _ := setup(b)
			// Every idle timer comes due in turn and re-arms, as busy
			// connections' timers do once per period.
			for b.Loop() {
				t := l.heap[0]
				l.now = t.when
				l.disarm(t)
				if t.kind == timerReadIdle {
					t.c.timers().lastIn = l.now
				}
				l.fire(t)
				if t.pos == 0 {
					l.arm(t, l.now+int64(time.Minute))
				}
			}
		})
	}
}

func TestTimerAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	c, l, _ := newTestConn(conn.Config{})
	h := &script{data: func(_ conn.Conn, in []byte) int { return len(in) }}
	c.SetReadIdleTimeout(time.Minute)
	c.SetWriteStallTimeout(time.Minute)
	msg := []byte("x")
	dl := time.Now().Add(time.Hour)
	if n := testing.AllocsPerRun(1000, func() {
		c.SetDeadline(dl)
		c.Deliver(h, msg)
		l.RunTimers()
		l.WaitTimeout()
	}); n != 0 {
		t.Errorf("%v allocations per read with timeouts set, want 0", n)
	}
}
