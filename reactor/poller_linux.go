package reactor

import (
	"encoding/binary"
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/engine"
)

// poller is an epoll instance with an eventfd in its set, so that other
// goroutines can interrupt a wait.
//
// A wait that may block parks the loop's goroutine in the Go runtime's own
// poller, which watches the epoll instance like any other
// descriptor, rather than blocking its thread in epoll_wait: the P is free
// at once for the process's other goroutines (a worker the handler just
// woke, a client on package net, timers), where a thread blocked in a
// system call holds it until sysmon takes it back, which took 100 µs to
// several milliseconds.
type poller struct {
	epfd     int
	wakefd   int
	noPwait2 bool // the kernel has no epoll_pwait2 (before 5.11)
	// briefFirst makes a park start with a brief wait in the kernel, for
	// a loop locked to its thread: each of its parks hands the P to
	// another thread and back, which costs more than the brief wait.
	briefFirst bool

	file   *os.File        // epfd, as the runtime's poller sees it; nil: park in epoll_wait
	rc     syscall.RawConn // file's
	parked []unix.EpollEvent
	got    int
	gotErr error
	try    func(fd uintptr) bool // p.tryParked, bound once
}

func openPoller() (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	p := &poller{epfd: epfd, wakefd: wakefd}
	if err := p.add(wakefd, unix.EPOLLIN); err != nil {
		p.close()
		return nil, err
	}
	p.try = p.tryParked
	// os.NewFile hands a non-blocking descriptor to the runtime's poller.
	// Should that fail, the loop blocks in epoll_wait instead.
	if unix.SetNonblock(epfd, true) == nil {
		if f := os.NewFile(uintptr(epfd), "epoll"); f != nil {
			if rc, err := f.SyscallConn(); err == nil {
				p.file, p.rc = f, rc
			}
		}
	}
	return p, nil
}

func (p *poller) add(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return os.NewSyscallError("epoll_ctl add", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev))
}

func (p *poller) mod(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return os.NewSyscallError("epoll_ctl mod", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev))
}

func (p *poller) del(fd int) error {
	return os.NewSyscallError("epoll_ctl del", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil))
}

// wait blocks until events arrive or msec milliseconds pass (-1: forever).
// An interrupted wait reports no events and no error.
//
// A wait that may block parks in the runtime's poller at once, without
// the brief wait in the kernel (engine.BriefWait) that holds the loop's P:
// while the loop waits, the goroutines it is waiting for (a worker that a
// handler woke, a client on package net in the same process) run on this
// P and thread. A P held through a brief wait sends them to another CPU,
// whose thread must first be woken; on a two-vCPU VM that made a worker's
// round trip 5–10 times as slow (BenchmarkWorkerReply) and a dial twice
// as slow as net.Dial, and a pinned, loaded loop gained nothing
// measurable from it. A loop locked to its thread (briefFirst) keeps the
// brief wait, and so does one without the runtime's poller, which blocks
// its thread in epoll_wait: a thread blocked in an ordinary system call
// loses its P.
func (p *poller) wait(events []unix.EpollEvent, msec int) (int, error) {
	if msec == 0 {
		return p.rawWait(events, nil)
	}
	if p.file != nil && !p.briefFirst {
		return p.park(events, msec)
	}
	if !p.noPwait2 {
		ts := unix.NsecToTimespec(int64(engine.BriefWait)) // msec ≥ 1 ms is longer
		n, err := p.rawWait(events, &ts)
		if n > 0 || err != nil {
			return n, err
		}
	}
	if p.file != nil {
		return p.park(events, msec)
	}
	n, err := unix.EpollWait(p.epfd, events, msec)
	if err == unix.EINTR {
		return 0, nil
	}
	if err != nil {
		return 0, os.NewSyscallError("epoll_wait", err)
	}
	return n, nil
}

// park waits in the runtime's poller until the epoll instance has events or
// msec milliseconds pass (-1: forever).
func (p *poller) park(events []unix.EpollEvent, msec int) (int, error) {
	var deadline time.Time
	if msec > 0 {
		deadline = time.Now().Add(time.Duration(msec) * time.Millisecond)
	}
	p.file.SetReadDeadline(deadline)
	p.parked, p.got, p.gotErr = events, 0, nil
	err := p.rc.Read(p.try)
	p.parked = nil
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, os.NewSyscallError("epoll park", err)
	}
	return p.got, p.gotErr
}

// tryParked is park's attempt, run each time the runtime finds the epoll
// instance readable: false parks the goroutine again.
func (p *poller) tryParked(uintptr) bool {
	p.got, p.gotErr = p.rawWait(p.parked, nil)
	return p.got > 0 || p.gotErr != nil
}

// rawWait is epoll_pwait2 with timeout ts (nil: do not wait) through
// RawSyscall6: for waits too short to tell the scheduler about. A kernel
// older than 5.11 has no epoll_pwait2; the poller then waits the ordinary
// way only.
func (p *poller) rawWait(events []unix.EpollEvent, ts *unix.Timespec) (int, error) {
	var zero unix.Timespec
	if ts == nil {
		ts = &zero
	}
	if !p.noPwait2 {
		n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT2, uintptr(p.epfd),
			uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), uintptr(unsafe.Pointer(ts)), 0, 0)
		switch errno {
		case 0:
			return int(n), nil
		case unix.EINTR:
			return 0, nil
		case unix.ENOSYS:
			p.noPwait2 = true
		default:
			return 0, os.NewSyscallError("epoll_pwait2", errno)
		}
	}
	if ts != &zero {
		return 0, nil // the caller goes on to the ordinary wait
	}
	n, err := unix.EpollWait(p.epfd, events, 0)
	if err != nil && err != unix.EINTR {
		return 0, os.NewSyscallError("epoll_wait", err)
	}
	return max(n, 0), nil
}

var one = binary.NativeEndian.AppendUint64(nil, 1)

// wake makes a current or next wait return. Safe from any goroutine.
func (p *poller) wake() error {
	_, err := unix.Write(p.wakefd, one)
	if err == unix.EAGAIN { // the counter is saturated: a wake is pending anyway
		err = nil
	}
	return os.NewSyscallError("eventfd write", err)
}

// drainWake resets the eventfd after a wake-up.
func (p *poller) drainWake() {
	var b [8]byte
	unix.Read(p.wakefd, b[:])
}

func (p *poller) close() {
	unix.Close(p.wakefd)
	if p.file != nil {
		p.file.Close() // closes epfd and takes it out of the runtime's poller
		return
	}
	unix.Close(p.epfd)
}
