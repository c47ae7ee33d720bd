//go:build linux

package proactor

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/engine"
	"github.com/netloop/netloop/internal/socket"
	"github.com/netloop/netloop/internal/uring"
)

// connect starts a dial on the loop with an IORING_OP_CONNECT, whose
// completion (connected) brings the connect's outcome. The socket address
// lives in l.dialAddrs until that completion: the kernel
// reads it by pointer. The dial's context, when it ends first, closes the
// connection through the kit's request; flush then cancels the connect.
func (l *loop) connect(d *engine.Dialing) error {
	family, raw, size, err := socket.RawSockaddr(d.Remote)
	if err != nil {
		return err
	}
	cfg := l.Config()
	fd, err := socket.Stream(family, cfg.Nagle, cfg.KeepAlive)
	if err != nil {
		return err
	}
	slot := l.allocSlot()
	c := &tcpConn{fd: fd, slot: slot, gen: l.gens.Get(int(slot)), connecting: true}
	if l.dialAddrs == nil {
		l.dialAddrs = make(map[uint32]*unix.RawSockaddrAny)
	}
	l.dialAddrs[slot] = raw
	c.InitDial(c, &l.Loop, d)
	l.conns.Set(int(slot), c)
	l.open++
	l.r.sqe().PrepConnect(fd, raw, size, userData(opConnect, c.slot, c.gen))
	l.inflight++
	return nil
}

// connected handles the connect's completion.
func (l *loop) connected(c *tcpConn, cqe *uring.CQE) {
	c.connecting = false
	delete(l.dialAddrs, c.slot) // the kernel is done with it
	l.markDirty(c)
	if closing, _ := c.Closing(); closing || c.aborting {
		// Cancelled, timed out or the server is stopping: the flush
		// finishes it with that cause.
		return
	}
	if cqe.Res < 0 {
		l.abort(c, os.NewSyscallError("connect", errno(cqe)))
		return
	}
	l.cur = c
	c.Connected(socket.Local(c.fd))
	l.cur = nil
}
