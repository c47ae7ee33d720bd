package engine

import (
	"net"
	"testing"

	"github.com/netloop/netloop/conn"
)

// TestBudget: past the soft limit the largest holder stops reading; past
// the budget it is the one to close; once it is gone, reading resumes.
func TestBudget(t *testing.T) {
	cfg := conn.Config{MemoryBudget: 1 << 20, Loops: 1}
	l := &Loop{}
	l.Init(cfg, func() error { return nil })
	l.ShareBudget(NewBudget(cfg))
	a := &testConn{}
	a.Init(a, l, &net.TCPAddr{}, &net.TCPAddr{})
	small := &testConn{}
	small.Init(small, l, &net.TCPAddr{}, &net.TCPAddr{})
	small.Write(make([]byte, 10<<10))
	a.Write(make([]byte, 900<<10))
	if got := l.OverBudget(); len(got) != 0 {
		t.Fatalf("OverBudget under the budget closes %d connections", len(got))
	}
	if !a.Paused() || !a.OverHighWater() {
		t.Error("the largest holder past the soft limit is still read from")
	}
	if small.Paused() {
		t.Error("a 10 KiB holder was paused")
	}
	a.Write(make([]byte, 200<<10))
	l.nextBudgetScan = 0
	got := l.OverBudget()
	if len(got) != 1 || got[0] != &a.Core {
		t.Fatalf("OverBudget past the budget = %v, want the largest holder", got)
	}
	a.Finish(&script{}, conn.ErrMemoryBudget)
	l.OverBudget()
	if l.budget.Total() != 10<<10 {
		t.Errorf("budget total = %d after the holder closed, want %d", l.budget.Total(), 10<<10)
	}
	if len(l.starved) != 0 {
		t.Error("connections still paused for the budget once under it")
	}
}

// TestBudgetOff: a negative budget enforces nothing.
func TestBudgetOff(t *testing.T) {
	cfg := conn.Config{MemoryBudget: -1, Loops: 1}
	l := &Loop{}
	l.Init(cfg, func() error { return nil })
	l.ShareBudget(NewBudget(cfg))
	a := &testConn{}
	a.Init(a, l, &net.TCPAddr{}, &net.TCPAddr{})
	a.Write(make([]byte, 4<<20))
	if got := l.OverBudget(); len(got) != 0 || a.Paused() {
		t.Error("a disabled budget paused or closed a connection")
	}
}
