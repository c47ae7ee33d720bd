//go:build linux

package proactor

import (
	"os"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/socket"
	"github.com/netloop/netloop/internal/uring"
)

// Accept back-off after the process runs out of descriptors or memory.
const (
	minAcceptBackoff = 10 * time.Millisecond
	maxAcceptBackoff = time.Second
)

func (l *loop) accepted(cqe *uring.CQE) {
	if !cqe.More() {
		l.acceptArmed = false // re-armed before the next wait, or after a back-off
		if l.acceptHeld {
			l.acceptHeld = false
			defer l.ReleaseDrain() // once this completion's connection is open
		}
	}
	switch err := errno(cqe); {
	case cqe.Res >= 0 && l.stopping.Load():
		unix.Close(int(cqe.Res))
	case cqe.Res >= 0:
		l.acceptBackoff = 0
		if fd := int(cqe.Res); !l.HandOff(fd) {
			l.opened(fd)
		}
	case err == unix.ECANCELED, socket.IsTemporaryAcceptError(err):
	default:
		l.Stats().AcceptErrors++
		l.pauseAccept(err)
	}
}

// pauseAccept delays the next accept: one that keeps failing (EMFILE)
// would otherwise spin the loop. Established connections are unaffected;
// pending ones wait in the kernel's queue.
func (l *loop) pauseAccept(err error) {
	l.acceptBackoff = min(max(2*l.acceptBackoff, minAcceptBackoff), maxAcceptBackoff)
	l.Stats().AcceptBackoffs++
	l.log.Warn("netloop: accept failed; pausing accept", zap.String("engine", "proactor"), zap.Int("loop", l.id),
		zap.Error(os.NewSyscallError("accept", err)), zap.Duration("backoff", l.acceptBackoff))
	l.acceptResume = time.Now().Add(l.acceptBackoff)
	if l.acceptArmed {
		// A failing multishot accept ends itself; this one did not.
		l.r.sqe().PrepCancel(userData(opAccept, 0, 0), 0, userData(opCancel, 0, 0))
		l.inflight++
	}
}

func (l *loop) opened(fd int) {
	cfg := l.Config()
	if err := socket.SetOptions(fd, cfg.Nagle, cfg.KeepAlive); err != nil {
		unix.Close(fd) // reset before we opened it: nothing to report
		return
	}
	// Multishot accept reports no address: one buffer would serve every
	// connection. getpeername into the loop's buffer allocates nothing.
	if err := socket.Getpeername(fd, &l.peer); err != nil {
		unix.Close(fd)
		return
	}
	slot := l.allocSlot()
	c := &tcpConn{fd: fd, slot: slot, gen: l.gens.Get(int(slot))}
	if remote, local, ok := socket.AcceptedAddrs(fd, l.lnaddr, &l.peer, &l.sockname); ok {
		c.InitAccepted(c, &l.Loop, remote, local)
	} else {
		local, remote := socket.AcceptedNetAddrs(fd, l.lnaddr, &l.peer, &l.sockname)
		c.Init(c, &l.Loop, local, remote)
	}
	l.conns.Set(int(slot), c)
	l.open++
	l.markDirty(c) // the flush arms the receive and sends any greeting
	l.cur = c
	l.h.OnOpen(c)
	l.cur = nil
}

func (l *loop) allocSlot() uint32 {
	if n := len(l.free); n > 0 {
		slot := l.free[n-1]
		l.free = l.free[:n-1]
		return slot
	}
	l.slots++
	return uint32(l.slots - 1)
}
