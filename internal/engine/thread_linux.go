//go:build linux

package engine

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// LockThread wires the calling goroutine to its OS thread for the life of
// a loop and returns the function that undoes it. With batch, the thread
// runs under SCHED_BATCH while it is locked (see Config.BatchScheduling),
// unless the process put it under a policy other than the default one,
// which is left alone.
func LockThread(batch bool) (unlock func()) {
	runtime.LockOSThread()
	if !batch {
		return runtime.UnlockOSThread
	}
	old, err := unix.SchedGetAttr(0, 0)
	if err != nil || old.Policy != unix.SCHED_NORMAL {
		return runtime.UnlockOSThread
	}
	b := *old
	b.Policy = unix.SCHED_BATCH
	if unix.SchedSetAttr(0, &b, 0) != nil {
		return runtime.UnlockOSThread
	}
	return func() {
		// A thread that cannot be put back stays locked: its goroutine
		// ends soon after, and the runtime then ends the thread rather
		// than hand it, still SCHED_BATCH, to other goroutines.
		if unix.SchedSetAttr(0, old, 0) == nil {
			runtime.UnlockOSThread()
		}
	}
}
