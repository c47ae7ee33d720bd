package uring

import (
	"os"
	"sync/atomic"
	"unsafe"
)

// RegisterEventfd has the kernel signal the eventfd fd when completions are
// on their way, so that the ring's owner can wait for them somewhere other
// than io_uring_enter: in the Go runtime's poller, for one. With
// DEFER_TASKRUN the signal comes when completion work is queued for the
// ring; the completions appear only after an enter with GETEVENTS
// (SubmitAndWait(0, 0)) on the owner's thread. The kernel signals when
// work is queued to an empty list, so a waiter must take what is queued
// before it waits, or it may wait for a signal that already came.
//
// Notifications start disabled (see SetEventfdNotify). On a ring with
// SINGLE_ISSUER, call it from the owner's thread after Enable.
func (r *Ring) RegisterEventfd(fd int) error {
	atomic.StoreUint32(r.cq.flags, atomic.LoadUint32(r.cq.flags)|cqEventfdDisabled)
	fd32 := int32(fd)
	if _, err := r.register(registerEventfd, unsafe.Pointer(&fd32), 1); err != nil {
		return os.NewSyscallError("io_uring_register eventfd", err)
	}
	return nil
}

// SetEventfdNotify turns the registered eventfd's notifications on or
// off. Off, a busy loop that never waits on the eventfd pays nothing for
// it; a waiter turns them on before it takes the queued work and waits.
func (r *Ring) SetEventfdNotify(on bool) {
	flags := atomic.LoadUint32(r.cq.flags)
	if on {
		flags &^= cqEventfdDisabled
	} else {
		flags |= cqEventfdDisabled
	}
	atomic.StoreUint32(r.cq.flags, flags)
}
