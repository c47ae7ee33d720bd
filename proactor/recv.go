//go:build linux

package proactor

import (
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/uring"
)

// A multishot receive left to itself takes whatever a socket has, up to 32
// buffers per wake-up, before the kernel moves on to other sockets: a
// flooding client overshoots the high-water mark by half a megabyte, and a
// few flooders can drain the buffer ring and starve everyone else. So each
// receive is armed with a budget of bytes, after which the kernel ends it
// (a CQE without CQEFMore) and the loop re-arms it at its next flush,
// having checked the mark and served the other connections: the kernel's
// limit on a multishot's total length (sqe->optlen, 6.17 and later). Small
// requests hardly ever meet the budget, so the re-arming costs a bulk
// sender one SQE per budget, and nothing else.
//
// The budget is what the connection may still queue before its mark, but
// at least one provided buffer and at most recvBudgetMax: whatever the
// handler makes of its input, one receive delivers no more than a read of
// the reactor would.
const recvBudgetMax = 64 << 10

// recvBudget returns the byte budget of c's next receive, or 0 (no limit)
// on a kernel without receive limits.
func (l *loop) recvBudget(c *tcpConn) uint32 {
	if !recvLimits() {
		return 0
	}
	room := l.Config().WriteHighWater - c.Buffered()
	return uint32(min(max(room, l.r.bufs.Size()), recvBudgetMax))
}

// armRecv arms c's multishot receive with its budget.
func (l *loop) armRecv(c *tcpConn) {
	e := l.r.sqe()
	e.PrepRecvMultishot(c.fd, recvGroup, userData(opRecv, c.slot, c.gen))
	// FileIndex is the union holding optlen, where a multishot receive
	// takes its total length.
	e.FileIndex = l.recvBudget(c)
	c.recv = recvArmed
	l.inflight++
}

// recvLimits reports whether the kernel ends a multishot receive at the
// total length it was given. Older kernels refuse the field with EINVAL,
// so it is tried once on a socket pair.
var recvLimits = sync.OnceValue(func() bool {
	// The ring may be bound to the thread that creates it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r, err := uring.New(8, 64)
	if err != nil {
		return false
	}
	defer r.Close()
	bufs, err := r.NewBufRing(0, 8, 64)
	if err != nil {
		return false
	}
	defer bufs.Close(r)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if _, err := unix.Write(fds[1], make([]byte, 256)); err != nil {
		return false
	}
	e := r.GetSQE()
	e.PrepRecvMultishot(fds[0], 0, 1)
	e.FileIndex = 128
	var cqes [8]uring.CQE
	got := 0
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
		if _, err := r.SubmitAndWait(1, time.Until(deadline)); err != nil {
			return false
		}
		for _, c := range cqes[:r.PeekCQEs(cqes[:])] {
			if c.Res < 0 {
				return false // EINVAL: no limits here
			}
			got += int(c.Res)
			if !c.More() {
				// Ended by the limit, with the rest of the bytes
				// still in the socket.
				return got == 128
			}
		}
	}
	return false
})
