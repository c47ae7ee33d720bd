package engine

import (
	"runtime"
	"time"
)

// BriefWait is how long a loop with nothing to do first waits in the kernel
// without telling the Go scheduler, before it falls back to a wait the
// scheduler knows about.
//
// A goroutine blocked in an ordinary system call loses its P: after 20 µs
// sysmon hands the P to another thread, which spins looking for work, and
// the return has to win a P back; with GOMAXPROCS=1 this happens on every
// wait that lasts longer than that. Under load a loop's waits are mostly
// shorter than this window, so the brief wait, made with RawSyscall, keeps
// the P and the thread, and sysmon, finding nothing to retake, falls back
// to sleeping 10 ms at a time. The price is that no other goroutine runs on
// this P for the window, which bounds it, and that such a goroutine, when
// another P runs it, needs another thread woken first. So only loops whose
// parks cost more than that wait briefly: the proactor's and the
// reactor's locked to their threads (a locked goroutine's park hands its
// P to another thread and back), and a reactor without the runtime's
// poller. An unlocked reactor parks at once (see its poller's wait).
const BriefWait = 50 * time.Microsecond

// SplitWait divides a wait of timeout (< 0: no limit) into the brief part
// and what remains after it, for the engines' wait functions: the brief part
// is BriefWait or the whole timeout when that is shorter, in which case
// rest is 0 and there is nothing left to wait for.
func SplitWait(timeout time.Duration) (brief, rest time.Duration, more bool) {
	if timeout >= 0 && timeout <= BriefWait {
		return timeout, 0, false
	}
	if timeout < 0 {
		return BriefWait, -1, true
	}
	return BriefWait, timeout - BriefWait, true
}

// Yield lets the Go scheduler run other goroutines on the loop's P, at
// most once per BriefWait. A loop whose goroutine is not locked to its
// thread calls it as each iteration starts. Where GOMAXPROCS is no larger
// than the number of loops, every P may be running a loop, and a goroutine
// that a handler woke (a worker handed a job, whose answer comes back by
// AsyncWrite) would otherwise wait until the loop parked, or, while it is
// busy, until sysmon preempted it after 10 ms. The price is one pass
// through the scheduler, well under a microsecond, per BriefWait at most.
// A locked loop must not call it: there each yield hands the P to another
// thread and back.
func (l *Loop) Yield() {
	if now := l.clock(); now-l.yielded >= int64(BriefWait) {
		l.yielded = now
		runtime.Gosched()
	}
}
