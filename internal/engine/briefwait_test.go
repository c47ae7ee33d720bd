package engine

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestSplitWait(t *testing.T) {
	for _, tc := range []struct {
		timeout, brief, rest time.Duration
		more                 bool
	}{
		{-1, BriefWait, -1, true},                // no limit: brief, then unbounded
		{0, 0, 0, false},                         // a poll
		{BriefWait / 2, BriefWait / 2, 0, false}, // shorter than the window: all of it brief
		{BriefWait, BriefWait, 0, false},         // exactly the window
		{time.Millisecond, BriefWait, time.Millisecond - BriefWait, true},
	} {
		brief, rest, more := SplitWait(tc.timeout)
		if brief != tc.brief || rest != tc.rest || more != tc.more {
			t.Errorf("SplitWait(%v) = %v, %v, %v; want %v, %v, %v", tc.timeout, brief, rest, more, tc.brief, tc.rest, tc.more)
		}
	}
}

// TestYield checks that Yield lets a goroutine waiting for the loop's P
// run, and does so at most once per BriefWait of the loop's clock. With
// GOMAXPROCS=1 a goroutine just started waits for this P alone; the
// test never parks, which would let it run anyway.
func TestYield(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	l := &Loop{}
	var first, second atomic.Bool
	go first.Store(true)
	if !yieldRuns(l, &first) {
		t.Fatal("Yield did not let a runnable goroutine run")
	}
	go second.Store(true)
	l.Yield() // the same turn of the clock as the last yield: too soon
	if second.Load() {
		t.Error("a second Yield within BriefWait yielded")
	}
	if !yieldRuns(l, &second) {
		t.Error("Yield after BriefWait did not yield")
	}
}

// yieldRuns calls Yield on a new turn of l's clock, BriefWait after the
// last, until ran is set, three times at most: one pass through the
// scheduler in 61 takes the yielding goroutine back first, for fairness.
func yieldRuns(l *Loop, ran *atomic.Bool) bool {
	for range 3 {
		for start := time.Now(); time.Since(start) < 2*BriefWait; {
		}
		l.NewTurn()
		l.Yield()
		if ran.Load() {
			return true
		}
	}
	return false
}
