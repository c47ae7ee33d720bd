package engine

import (
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// TestNextDue: NextDue follows the earliest armed timer, and reports none
// once every timer is stopped.
func TestNextDue(t *testing.T) {
	_, l, _ := newTestConn(conn.Config{})
	if _, ok := l.NextDue(); ok {
		t.Fatal("NextDue reports a timer on a fresh loop")
	}
	late := l.AfterFunc(time.Hour, func() {})
	due1, ok := l.NextDue()
	if !ok {
		t.Fatal("NextDue reports no timer with one armed")
	}
	early := l.AfterFunc(time.Millisecond, func() {})
	due2, _ := l.NextDue()
	if due2 >= due1 {
		t.Errorf("NextDue = %d after arming an earlier timer, want before %d", due2, due1)
	}
	early.Stop()
	if due, _ := l.NextDue(); due != due1 {
		t.Errorf("NextDue = %d after stopping the earlier timer, want %d", due, due1)
	}
	late.Stop()
	if _, ok := l.NextDue(); ok {
		t.Error("NextDue reports a timer after every timer stopped")
	}
}

// TestPublishAndNewTurn: Publish makes the counters visible to Snapshot
// without a sleep, and NewTurn makes the clock be read again.
func TestPublishAndNewTurn(t *testing.T) {
	_, l, _ := newTestConn(conn.Config{})
	l.Stats().Reads = 7
	l.Publish()
	if got := l.Snapshot().Reads; got != 7 {
		t.Errorf("Snapshot().Reads = %d after Publish, want 7", got)
	}
	before := l.clock()
	time.Sleep(time.Millisecond) // the clock must move, not wait for anything
	if l.clock() != before {
		t.Fatal("the clock moved within a turn")
	}
	l.NewTurn()
	if l.clock() <= before {
		t.Error("the clock did not move after NewTurn")
	}
}
