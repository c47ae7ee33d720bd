package proactor

import (
	"errors"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/uring"
)

// parker lets a loop with nothing to do wait in the Go runtime's poller
// instead of blocking its thread in io_uring_enter. The ring signals an
// eventfd of its own (IORING_REGISTER_EVENTFD) when completions are on
// their way, and the runtime watches that eventfd like any other
// descriptor. While the loop's goroutine is parked there its P is free at
// once for the process's other goroutines, such as a worker that a handler
// has just woken; a thread blocked in io_uring_enter holds its P until
// sysmon takes it back, which took from 100 µs to milliseconds. The loop
// stays locked to its thread, as the ring requires.
//
// Other goroutines wake a parked loop by writing the eventfd themselves
// (waker.wake), not through the ring's read of the waker's eventfd: a
// completion that an eventfd write sets off is signalled to the
// registered eventfd late, from an RCU callback, and Linux up to at least
// 6.18 signals only the first such one of a ring (the pending bit of
// io_uring/eventfd.c is never cleared); loops parked for good were the
// result.
type parker struct {
	r      *ring
	fd     int
	file   *os.File // fd, as the runtime's poller sees it
	rc     syscall.RawConn
	buf    [8]byte // the eventfd's counter, read to reset it
	batch  []uring.CQE
	got    int
	gotErr error
	try    func(fd uintptr) bool // p.tryParked, bound once
}

// newParker registers an eventfd with r. It must run on the ring's thread,
// after Enable. It returns nil when the ring or the runtime will not have
// it; the loop then blocks in io_uring_enter as before.
func newParker(r *ring) *parker {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil
	}
	if err := r.RegisterEventfd(fd); err != nil {
		unix.Close(fd)
		return nil
	}
	// os.NewFile hands a non-blocking descriptor to the runtime's poller.
	f := os.NewFile(uintptr(fd), "io_uring eventfd")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil
	}
	p := &parker{r: r, fd: fd, file: f, rc: rc}
	p.try = p.tryParked
	return p
}

// park waits until completions arrive or timeout passes (< 0: no limit)
// and copies them into batch.
func (p *parker) park(timeout time.Duration, batch []uring.CQE) (int, error) {
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	p.file.SetReadDeadline(deadline)
	p.batch, p.got, p.gotErr = batch, 0, nil
	// Notifications go on before the first try takes what is queued:
	// the kernel signals only when work arrives on an empty list.
	p.r.SetEventfdNotify(true)
	err := p.rc.Read(p.try)
	p.r.SetEventfdNotify(false)
	p.batch = nil
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, os.NewSyscallError("io_uring eventfd park", err)
	}
	return p.got, p.gotErr
}

// tryParked is park's attempt, run first and then each time the runtime
// finds the eventfd readable: it resets the counter, has the kernel post
// the completions queued for the ring, and takes them. False parks the
// goroutine again.
//
// A count in the eventfd ends the park even without completions: it may be
// a waker's, for requests the loop must run.
func (p *parker) tryParked(uintptr) bool {
	n, _ := unix.Read(p.fd, p.buf[:]) // EAGAIN when the counter is zero
	if _, err := p.r.SubmitAndWait(0, 0); err != nil && !retryable(err) {
		p.gotErr = err
		return true
	}
	p.got = p.r.PeekCQEs(p.batch)
	return p.got > 0 || n > 0
}

// close releases the eventfd, after the ring (which holds a reference of
// its own to the eventfd, not to the descriptor number) and the waker
// (which writes the number) are closed.
func (p *parker) close() { p.file.Close() }
