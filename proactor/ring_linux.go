package proactor

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/engine"
	"github.com/netloop/netloop/internal/uring"
)

// ringShape sizes a loop's ring. Multishot receives can post many
// completions per submission, so the CQ is much larger than the SQ; an
// overflow is lossless (the kernel keeps a backlog) but slow.
type ringShape struct {
	sqEntries, cqEntries uint32
	cqeBatch             int // completions copied out per wait
	recvBuffers          int // provided buffers per loop, a power of two
	maxRecvBufSize       int // bytes per provided buffer, at most
}

// shape is read when a loop starts. Only tests change it, to squeeze the
// rings until they overflow and run dry.
var shape = ringShape{
	sqEntries:      1024,
	cqEntries:      16384,
	cqeBatch:       512,
	recvBuffers:    512,
	maxRecvBufSize: 16 << 10,
}

// recvGroup is the buffer group id of a loop's provided buffers.
const recvGroup = 0

// rare counts events that should be rare and are worth knowing about in
// tests: a CQ overflow and an exhausted buffer ring. They are counted where
// they are handled, never on the common path.
var rare struct {
	cqOverflows, recvNoBuffers atomic.Int64
}

// ring is a loop's io_uring with its provided-buffer ring.
type ring struct {
	*uring.Ring
	bufs *uring.BufRing
	park *parker // nil: long waits block in io_uring_enter
}

// openRing sets up the ring, disabled: any goroutine may allocate it, and
// the loop's thread enables it, which makes that thread the only one that
// may use it afterwards (SINGLE_ISSUER, DEFER_TASKRUN).
func openRing(readBufferSize int) (*ring, error) {
	r, err := uring.NewDisabled(shape.sqEntries, shape.cqEntries)
	if err != nil {
		return nil, err
	}
	bufs, err := r.NewBufRing(recvGroup, shape.recvBuffers, min(readBufferSize, shape.maxRecvBufSize))
	if err != nil {
		r.Close()
		return nil, err
	}
	return &ring{Ring: r, bufs: bufs}, nil
}

// fatalError is a ring failure the loop cannot recover from; sqe panics
// with it and the loop's recovery turns it back into an error.
type fatalError struct{ err error }

func (e fatalError) Error() string { return e.err.Error() }

// sqe returns a free SQE, submitting what is queued when the SQ is full.
// A submission the kernel refuses for a moment (EAGAIN: no memory for
// requests; EBUSY: completions backed up) is retried with a growing pause,
// up to about a second, before the ring is declared failed: one busy
// moment should not stop every loop of the server.
func (r *ring) sqe() *uring.SQE {
	pause := 50 * time.Microsecond
	for deadline := time.Now().Add(time.Second); ; {
		if e := r.GetSQE(); e != nil {
			return e
		}
		n, err := r.Submit()
		if err == nil && n == 0 {
			err = unix.EAGAIN // nothing taken: as good as refused
		}
		switch {
		case err != nil && !retryable(err):
			panic(fatalError{fmt.Errorf("proactor: submit: %w", err)})
		case err != nil && time.Now().After(deadline):
			panic(fatalError{fmt.Errorf("proactor: submission queue stays full: %w", err)})
		case err != nil:
			time.Sleep(pause)
			pause = min(2*pause, 10*time.Millisecond)
		}
	}
}

// wait submits what is queued and, if block, waits up to timeout (< 0: no
// limit) for a completion; then it copies completions into batch.
// A blocking wait starts with a brief one the scheduler is not told about
// (see engine.BriefWait).
func (r *ring) wait(block bool, timeout time.Duration, batch []uring.CQE) (int, error) {
	if !block {
		if _, err := r.SubmitAndWait(0, 0); err != nil && !retryable(err) {
			return 0, err
		}
		return r.PeekCQEs(batch), nil
	}
	brief, rest, more := engine.SplitWait(timeout)
	if _, err := r.SubmitAndWaitBriefly(1, brief); err != nil && !retryable(err) {
		return 0, err
	}
	if n := r.PeekCQEs(batch); n > 0 || !more {
		return n, nil
	}
	if r.park != nil {
		return r.park.park(rest, batch)
	}
	if _, err := r.SubmitAndWait(1, rest); err != nil && !retryable(err) {
		return 0, err
	}
	return r.PeekCQEs(batch), nil
}

// retryable reports whether enter failed only for now: the kernel wants
// completions reaped first, or is short of memory for a moment.
func retryable(err error) bool {
	return errors.Is(err, unix.EBUSY) || errors.Is(err, unix.EAGAIN)
}

// close releases the buffer ring and the ring. Nothing may be in flight,
// and once enabled, only the loop's thread may call it.
func (r *ring) close() {
	r.bufs.Close(r.Ring)
	r.Ring.Close()
	if r.park != nil {
		r.park.close()
	}
}
