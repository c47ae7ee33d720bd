package proactor

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/uring"
)

// Ring sizes. Multishot receives can post many completions per submission,
// so the CQ is much larger than the SQ; an overflow is lossless (the kernel
// keeps a backlog) but slow.
const (
	sqEntries = 1024
	cqEntries = 16384
	cqeBatch  = 512 // completions copied out per wait

	recvBuffers    = 512      // provided buffers per loop
	maxRecvBufSize = 16 << 10 // bytes per provided buffer, at most
	recvGroup      = 0        // the loop's buffer group id
)

// ring is a loop's io_uring with its provided-buffer ring.
type ring struct {
	*uring.Ring
	bufs *uring.BufRing
}

// openRing sets up the ring. It must run on the loop's locked thread, the
// only one that may use the ring afterwards.
func openRing(readBufferSize int) (*ring, error) {
	r, err := uring.New(sqEntries, cqEntries)
	if err != nil {
		return nil, err
	}
	bufs, err := r.NewBufRing(recvGroup, recvBuffers, min(readBufferSize, maxRecvBufSize))
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
func (r *ring) sqe() *uring.SQE {
	for range 3 {
		if e := r.GetSQE(); e != nil {
			return e
		}
		if _, err := r.Submit(); err != nil && !retryable(err) {
			panic(fatalError{fmt.Errorf("proactor: submit: %w", err)})
		}
	}
	panic(fatalError{errors.New("proactor: submission queue stays full")})
}

// wait submits what is queued and, if block, waits up to timeout (< 0: no
// limit) for a completion; then it copies completions into batch.
func (r *ring) wait(block bool, timeout time.Duration, batch []uring.CQE) (int, error) {
	var nr uint32
	if block {
		nr = 1
	}
	if _, err := r.SubmitAndWait(nr, timeout); err != nil && !retryable(err) {
		return 0, err
	}
	return r.PeekCQEs(batch), nil
}

// retryable reports whether enter failed only for now: the kernel wants
// completions reaped first, or is short of memory for a moment.
func retryable(err error) bool {
	return errors.Is(err, unix.EBUSY) || errors.Is(err, unix.EAGAIN)
}

// close releases the buffer ring and the ring. Nothing may be in flight.
func (r *ring) close() {
	r.bufs.Close(r.Ring)
	r.Ring.Close()
}
