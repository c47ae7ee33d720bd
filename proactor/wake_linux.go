package proactor

import (
	"encoding/binary"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/uring"
)

// waker lets other goroutines interrupt a loop blocked in io_uring_enter
// without touching its ring, which only the loop's thread may submit to
// (SINGLE_ISSUER): they write an eventfd, and the loop keeps a read of that
// eventfd armed in its ring. The read also resets the counter.
type waker struct {
	fd int

	// parked, when not -1, is the eventfd of the loop's parker, written
	// too so that a loop parked in the runtime's poller wakes (see parker
	// for why the ring's read of fd cannot wake it there).
	parked int

	// buf receives the counter. The kernel writes it when the read
	// completes, so it lives here, in a heap object the loop references,
	// until that completion has been reaped.
	buf [8]byte

	// mu keeps close from racing a wake: a write to a closed, and possibly
	// reused, descriptor number would hit some other file.
	mu     sync.RWMutex
	closed bool
}

func newWaker() (*waker, error) {
	// Non-blocking: the ring then waits for readability with its internal
	// poll instead of parking a worker thread on the read.
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("eventfd", err)
	}
	return &waker{fd: fd, parked: -1}, nil
}

var one = binary.NativeEndian.AppendUint64(nil, 1)

// wake makes the loop's current or next wait return. Safe from any
// goroutine.
func (w *waker) wake() error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return nil
	}
	_, err := unix.Write(w.fd, one)
	if err == unix.EAGAIN { // the counter is saturated: a wake-up is pending anyway
		err = nil
	}
	if w.parked >= 0 {
		if _, perr := unix.Write(w.parked, one); perr != nil && perr != unix.EAGAIN && err == nil {
			err = perr
		}
	}
	return os.NewSyscallError("eventfd write", err)
}

// wakeParked has wake write fd too, the eventfd a parked loop waits on.
// fd must stay open until close.
func (w *waker) wakeParked(fd int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.parked = fd
}

// prepRead fills e with the eventfd read.
func (w *waker) prepRead(e *uring.SQE, ud uint64) {
	e.PrepRead(w.fd, w.buf[:], ud)
}

// close releases the eventfd; later wakes do nothing. The armed read must
// have completed.
func (w *waker) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.closed = true
		unix.Close(w.fd)
	}
}
