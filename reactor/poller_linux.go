package reactor

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// poller is an epoll instance with an eventfd in its set, so that other
// goroutines can interrupt a wait.
type poller struct {
	epfd   int
	wakefd int
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

// wait blocks until events arrive or msec milliseconds pass (-1: forever).
// An interrupted wait reports no events and no error.
func (p *poller) wait(events []unix.EpollEvent, msec int) (int, error) {
	n, err := unix.EpollWait(p.epfd, events, msec)
	if err == unix.EINTR {
		return 0, nil
	}
	if err != nil {
		return 0, os.NewSyscallError("epoll_wait", err)
	}
	return n, nil
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
	unix.Close(p.epfd)
}
