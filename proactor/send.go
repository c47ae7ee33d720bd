//go:build linux

package proactor

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxIov bounds the blocks one sendmsg hands the kernel: 64 blocks are up
// to 4 MiB, more than a socket buffer takes at once, and well below IOV_MAX
// (1024).
const maxIov = 64

// maxFreeVecSends bounds the loop's free list of vecSends (1.1 KiB each),
// so a burst of large sends does not pin their memory for ever.
const maxFreeVecSends = 64

// vecSend is a sendmsg in flight: its header, its iovecs, and the blocks
// they point at. The kernel knows all three only by address, so a vecSend
// stays referenced from its connection until the send's completion has
// been reaped, even after a cancel; then it goes back to the loop's free
// list. Only connections sending several blocks at once use one, so idle
// and small-reply connections hold none.
type vecSend struct {
	msg  unix.Msghdr
	iov  [maxIov]unix.Iovec
	bufs [][]byte // the blocks, referenced for the garbage collector
}

// send submits c's pending output: a send of its one block, or a sendmsg
// of up to maxIov blocks.
func (l *loop) send(c *tcpConn) {
	ud := userData(opSend, c.slot, c.gen)
	l.Stats().Writes++
	if p := c.Pending(); len(p) == c.Buffered() {
		c.sending = true // the Core keeps the bytes referenced until Advance
		l.r.sqe().PrepSend(c.fd, c.Sending(), unix.MSG_NOSIGNAL, ud)
		l.inflight++
		return
	}
	v := l.getVecSend()
	v.bufs = c.SendingVec(v.bufs[:0])
	for i, b := range v.bufs {
		v.iov[i].Base = unsafe.SliceData(b)
		v.iov[i].SetLen(len(b))
	}
	v.msg.Iov = &v.iov[0]
	v.msg.SetIovlen(len(v.bufs))
	c.vsend = v
	l.r.sqe().PrepSendmsg(c.fd, &v.msg, unix.MSG_NOSIGNAL, ud)
	l.inflight++
}

// getVecSend returns a vecSend from the loop's free list, or a new one.
func (l *loop) getVecSend() *vecSend {
	if n := len(l.vecSends); n > 0 {
		v := l.vecSends[n-1]
		l.vecSends = l.vecSends[:n-1]
		return v
	}
	return &vecSend{bufs: make([][]byte, 0, maxIov)}
}

// putVecSend takes back v once its send has completed, dropping its
// references to the blocks, which the connection may now reuse.
func (l *loop) putVecSend(v *vecSend) {
	clear(v.bufs)
	v.bufs = v.bufs[:0]
	v.iov = [maxIov]unix.Iovec{}
	v.msg = unix.Msghdr{}
	if len(l.vecSends) < maxFreeVecSends {
		l.vecSends = append(l.vecSends, v)
	}
}
