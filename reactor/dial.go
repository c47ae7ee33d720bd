//go:build linux

package reactor

import (
	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/engine"
	"github.com/netloop/netloop/internal/socket"
)

// connect starts a dial on the loop: a non-blocking connect, which on TCP
// returns EINPROGRESS; the poller then reports the socket writable (or
// failed) and connected reads the outcome from SO_ERROR. The kit closes a
// connection whose dial context ends first, through the usual close path.
func (l *loop) connect(d *engine.Dialing) error {
	family, sa, err := socket.Sockaddr(d.Remote)
	if err != nil {
		return err
	}
	cfg := l.Config()
	fd, err := socket.Stream(family, cfg.Nagle, cfg.KeepAlive)
	if err != nil {
		return err
	}
	switch err := unix.Connect(fd, sa); err {
	case nil, unix.EINPROGRESS:
		// Connected at once (a Unix socket), or on its way; either way
		// the poller reports it writable. A Unix listener with a full
		// queue answers EAGAIN: that dial fails, as net.Dial's does.
	default:
		unix.Close(fd)
		return err
	}
	if err := l.p.add(fd, unix.EPOLLOUT); err != nil {
		unix.Close(fd)
		return err
	}
	c := &tcpConn{fd: fd, events: unix.EPOLLOUT}
	c.InitDial(c, &l.Loop, d)
	l.conns.Set(fd, c)
	l.open++
	return nil
}

// connected settles a dial the poller reported on.
func (l *loop) connected(c *tcpConn) {
	if err := socket.ConnectError(c.fd); err != nil {
		l.closeNow(c, err)
		return
	}
	if err := l.p.mod(c.fd, unix.EPOLLIN); err != nil {
		l.closeNow(c, err)
		return
	}
	c.events = unix.EPOLLIN
	l.cur = c
	c.Connected(socket.Local(c.fd))
	l.cur = nil
	l.markDirty(c)
}
