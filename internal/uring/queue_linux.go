//go:build linux

package uring

import (
	"os"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// GetSQE returns the next free submission queue entry, zeroed, or nil when
// the SQ is full (submit, then try again). The entry belongs to the caller
// until the next Submit or SubmitAndWait.
func (r *Ring) GetSQE() *SQE {
	sq := &r.sq
	// The kernel advances head as it consumes SQEs. Without SQPOLL it does
	// so only inside our own enter calls, so a plain load would do; the
	// atomic load documents that the word is shared and keeps the compiler
	// from caching it across enter.
	head := atomic.LoadUint32(sq.head)
	if sq.localTail-head >= sq.entries {
		return nil
	}
	sqe := &sq.sqes[sq.localTail&sq.mask]
	sq.localTail++
	*sqe = SQE{}
	return sqe
}

// SQSpace returns how many SQEs GetSQE can still hand out before a submit.
func (r *Ring) SQSpace() uint32 {
	return r.sq.entries - (r.sq.localTail - atomic.LoadUint32(r.sq.head))
}

// flushSQ publishes the SQEs handed out by GetSQE and returns how many the
// kernel has not consumed yet.
func (r *Ring) flushSQ() uint32 {
	sq := &r.sq
	// Release: the SQE contents written through GetSQE's pointers must be
	// visible to the kernel before it can see the new tail. An atomic store
	// orders all earlier plain stores before it.
	atomic.StoreUint32(sq.tail, sq.localTail)
	return sq.localTail - atomic.LoadUint32(sq.head)
}

// needsFlush reports whether the kernel has completions it can only post
// inside an enter with GETEVENTS: an overflow backlog, or (with
// TASKRUN_FLAG) deferred task work.
func (r *Ring) needsFlush() bool {
	// Relaxed would be enough: the flag is a hint that is re-checked by the
	// kernel inside enter.
	return atomic.LoadUint32(r.sq.flags)&(sqCQOverflow|sqTaskrun) != 0
}

// CQOverflowed reports whether completions are waiting in the kernel's
// overflow list because the CQ ring was full. They are lost to nobody (the
// kernel has NODROP); the next Submit or SubmitAndWait moves them into the
// ring once it has room, so a caller that sees this should reap and enter
// again before it blocks.
func (r *Ring) CQOverflowed() bool {
	return atomic.LoadUint32(r.sq.flags)&sqCQOverflow != 0
}

// Submit hands the prepared SQEs to the kernel without waiting and returns
// how many it consumed. If the kernel holds completions that only an enter
// with GETEVENTS posts, Submit asks for them too.
func (r *Ring) Submit() (int, error) {
	n := r.flushSQ()
	var flags uint32
	if r.needsFlush() {
		flags = enterGetEvents
	} else if n == 0 {
		return 0, nil
	}
	return r.enter(n, 0, flags, nil, false)
}

// SubmitAndWait submits the prepared SQEs and waits until at least waitNr
// completions are in the CQ ring or timeout has passed; timeout < 0 waits
// without limit. Interruption by a signal and expiry of the timeout are not
// errors: the caller just finds fewer completions than it asked for. The
// same is true whenever something was submitted, as the kernel then hides
// wait errors.
func (r *Ring) SubmitAndWait(waitNr uint32, timeout time.Duration) (int, error) {
	return r.submitAndWait(waitNr, timeout, waitNr > 0)
}

// SubmitAndWaitBriefly is SubmitAndWait for a short wait (tens of
// microseconds) that the Go scheduler is not told about: the calling
// goroutine keeps its P while the thread sleeps in the kernel. A blocking
// system call the scheduler does know about costs more than the wait when
// the wait is short: after 20 µs sysmon hands the P to another thread,
// which spins looking for work, and the return has to win a P back. timeout
// must be ≥ 0 and short, as no other goroutine runs on this P meanwhile
// (except by the signal that preempts a goroutine running for 10 ms).
func (r *Ring) SubmitAndWaitBriefly(waitNr uint32, timeout time.Duration) (int, error) {
	return r.submitAndWait(waitNr, timeout, false)
}

func (r *Ring) submitAndWait(waitNr uint32, timeout time.Duration, blocking bool) (int, error) {
	n := r.flushSQ()
	var arg *getEventsArg
	if timeout >= 0 && waitNr > 0 {
		r.ts = kernelTimespec{sec: int64(timeout / time.Second), nsec: int64(timeout % time.Second)}
		r.arg = getEventsArg{ts: uint64(uintptr(unsafe.Pointer(&r.ts)))}
		arg = &r.arg
	}
	return r.enter(n, waitNr, enterGetEvents, arg, blocking)
}

// enter is the one place that calls io_uring_enter; every submit and wait
// variant funnels through it. Only an enter that may block for long goes
// through Syscall6, which tells the scheduler so it can hand the P to other
// goroutines; the others (submissions, and waits too short for that to pay)
// use RawSyscall6 and skip the scheduler's bookkeeping.
func (r *Ring) enter(toSubmit, minComplete, flags uint32, arg *getEventsArg, blocking bool) (int, error) {
	flags |= r.enterFlags
	var argp, argsz uintptr
	if arg != nil {
		flags |= enterExtArg
		argp, argsz = uintptr(unsafe.Pointer(arg)), unsafe.Sizeof(*arg)
	}
	var n uintptr
	var errno unix.Errno
	if blocking {
		n, _, errno = unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.enterFd), uintptr(toSubmit),
			uintptr(minComplete), uintptr(flags), argp, argsz)
	} else {
		n, _, errno = unix.RawSyscall6(unix.SYS_IO_URING_ENTER, uintptr(r.enterFd), uintptr(toSubmit),
			uintptr(minComplete), uintptr(flags), argp, argsz)
	}
	// arg points into r, and the ts it points at too; keep r alive until
	// the kernel is done reading them.
	runtime.KeepAlive(r)
	switch errno {
	case 0:
		return int(n), nil
	case unix.EINTR, unix.ETIME:
		return 0, nil
	}
	return 0, os.NewSyscallError("io_uring_enter", errno)
}

// CQReady returns how many completions are waiting in the CQ ring.
func (r *Ring) CQReady() uint32 {
	// Acquire pairs with the kernel's release of tail.
	return atomic.LoadUint32(r.cq.tail) - *r.cq.head
}

// PeekCQEs copies up to len(dst) completions out of the CQ ring, marks them
// seen, and returns how many it copied. It never enters the kernel: with
// DEFER_TASKRUN, completions appear only after Submit or SubmitAndWait.
func (r *Ring) PeekCQEs(dst []CQE) int {
	cq := &r.cq
	// Only we write head, so a plain read of our own last store is fine.
	head := *cq.head
	// Acquire: the CQEs below the tail must be read only after the tail
	// that covers them; the atomic load keeps the reads after it.
	tail := atomic.LoadUint32(cq.tail)
	n := min(tail-head, uint32(len(dst)))
	for i := range n {
		dst[i] = cq.cqes[(head+i)&cq.mask]
	}
	if n > 0 {
		// Release: our copies of the CQEs must be complete before the
		// kernel may reuse their slots, which it may as soon as it sees
		// the new head.
		atomic.StoreUint32(cq.head, head+n)
	}
	return int(n)
}

// Dropped returns how many completions the kernel lost for good: it keeps
// overflowing CQEs on a list (NODROP) and drops them only when it cannot
// allocate, so anything but 0 means the process is in trouble.
func (r *Ring) Dropped() uint32 {
	return atomic.LoadUint32(r.cq.overflow)
}
