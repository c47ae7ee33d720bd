// Package uring is netloop's small io_uring binding on golang.org/x/sys/unix.
//
// It keeps liburing's verbs: set up a [Ring], get an SQE ([Ring.GetSQE]),
// prepare it (the Prep methods of [SQE]), submit ([Ring.Submit],
// [Ring.SubmitAndWait]), copy out completions ([Ring.PeekCQEs]) which also marks
// them seen. Provided buffers live in a [BufRing]; [Probe] and [SelfTest] say
// whether the running kernel can carry a proactor.
//
// # Threads
//
// A Ring must be created and used on one OS thread: the goroutine that calls
// [New] must have called runtime.LockOSThread and must keep the thread locked
// until after [Ring.Close]. The ring is set up with SINGLE_ISSUER and
// DEFER_TASKRUN when the kernel accepts them, and its fd is registered per
// thread, so any other thread gets EEXIST or EBADF from the kernel.
//
// # Memory ordering
//
// The SQ ring, the CQ ring and the provided-buffer rings are shared with the
// kernel. Every index the kernel reads (SQ tail, CQ head, buffer-ring tail) is
// published with a sync/atomic store after the entries it covers have been
// written, and every index the kernel writes (SQ head, CQ tail, SQ flags) is
// read with a sync/atomic load before the entries it covers are read. Go's
// atomics are sequentially consistent, which is stronger than the
// release/acquire pairs io_uring needs; plain stores could be reordered by the
// compiler. Each barrier is commented where it happens.
//
// # Memory the kernel references
//
// An address written into an SQE is invisible to the garbage collector. Whoever
// prepares an SQE that points at Go memory (a send payload, a msghdr, a read
// buffer) must keep that memory reachable from a Go variable until the
// operation's final CQE has been reaped, even if the operation was cancelled.
// The rings themselves and the provided buffers are mmap'd, outside the Go heap.
package uring
