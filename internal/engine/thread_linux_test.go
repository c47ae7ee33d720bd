package engine

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

func policy(t *testing.T) uint32 {
	t.Helper()
	a, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return a.Policy
}

// TestLockThreadRestores checks that the thread is SCHED_BATCH while a
// batch loop holds it and the default policy again once it lets go: the
// runtime hands the thread to other goroutines then.
func TestLockThreadRestores(t *testing.T) {
	// An outer lock keeps the test on the thread after the unlock, so
	// that the check reads the same thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if p := policy(t); p != unix.SCHED_NORMAL {
		t.Skipf("the test runs under policy %d; LockThread leaves such threads alone", p)
	}
	unlock := LockThread(true)
	if p := policy(t); p != unix.SCHED_BATCH {
		t.Errorf("locked with batch: policy %d, want SCHED_BATCH", p)
	}
	unlock()
	if p := policy(t); p != unix.SCHED_NORMAL {
		t.Errorf("after unlock: policy %d, want SCHED_NORMAL", p)
	}
	LockThread(false)()
	if p := policy(t); p != unix.SCHED_NORMAL {
		t.Errorf("without batch: policy %d, want SCHED_NORMAL", p)
	}
}
