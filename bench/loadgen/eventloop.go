package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// The closed loop runs its connections on event loops of its own — raw
// non-blocking sockets, one epoll instance and one locked OS thread per
// loop — rather than a goroutine per connection. The generator then pays
// for each batch of echoes about what an epoll server pays (one read, one
// write, a share of one epoll_wait), not also a goroutine wake-up and a trip
// through the Go scheduler, so one core of it can keep a fast server on
// another core busy. The sockets are never given to Go's own poller, which
// would otherwise be woken by every arrival as well.

// client is one connection of the closed loop.
type client struct {
	fd, id   int
	slot     int32 // index in its loop's clients, the epoll user data
	pollOut  bool  // EPOLLOUT is armed: output is waiting for room
	p        payload
	out      []byte // messages queued but not yet written: out[outOff:outEnd]
	outOff   int
	outEnd   int
	in       []byte // received bytes of an incomplete message at in[:have]
	have     int
	sentAt   []time.Time // ring: when message seq was queued is sentAt[seq%depth]
	sent     uint64      // sequence number of the next message to queue
	recvd    uint64      // sequence number of the next message expected back
	finished bool
}

// dialRaw opens a TCP connection to addr with a blocking connect (quick on
// the networks this tool is for), then makes it non-blocking with Nagle
// off, as Go's own dialer would.
func dialRaw(addr *net.TCPAddr) (int, error) {
	var sa unix.Sockaddr
	family := unix.AF_INET
	if ip4 := addr.IP.To4(); ip4 != nil {
		sa = &unix.SockaddrInet4{Port: addr.Port, Addr: [4]byte(ip4)}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: addr.Port, Addr: [16]byte(addr.IP.To16())}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	for {
		err = unix.Connect(fd, sa)
		if err != unix.EINTR {
			break
		}
	}
	if err == nil {
		err = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if err == nil {
		err = unix.SetNonblock(fd, true)
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// dialClients opens the closed loop's connections.
func dialClients(cfg Config) ([]*client, error) {
	addr, err := net.ResolveTCPAddr("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	cs := make([]*client, 0, cfg.Conns)
	for i := range cfg.Conns {
		fd, err := dialRaw(addr)
		if err != nil {
			closeClients(cs)
			return nil, fmt.Errorf("loadgen: opening connection %d of %d: %w", i+1, cfg.Conns, err)
		}
		cs = append(cs, &client{
			fd: fd, id: i, p: newPayload(cfg.Size, i),
			out:    make([]byte, cfg.Depth*cfg.Size),
			in:     make([]byte, cfg.Depth*cfg.Size),
			sentAt: make([]time.Time, cfg.Depth),
		})
	}
	return cs, nil
}

func closeClients(cs []*client) {
	for _, c := range cs {
		unix.Close(c.fd)
	}
}

// eventLoop drives cs until the window has ended and every message sent
// has come back (or drainTime has passed, which counts as a failure).
func (r *run) eventLoop(ctx context.Context, cs []*client) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		for range cs {
			r.fail(fmt.Errorf("epoll_create1: %w", err))
		}
		return
	}
	defer unix.Close(epfd)
	active := 0
	now := time.Now()
	for i, c := range cs {
		c.slot = int32(i)
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: c.slot}
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
			r.failClient(c, fmt.Errorf("epoll_ctl: %w", err))
			continue
		}
		r.queue(c, r.cfg.Depth, now)
		if r.flush(epfd, c) {
			active++
		}
	}
	events := make([]unix.EpollEvent, 256)
	done := make([]time.Time, 0, r.cfg.Depth)
	stopping := false
	var drainUntil time.Time
	for active > 0 {
		n, err := unix.EpollWait(epfd, events, 50)
		if err != nil && !errors.Is(err, unix.EINTR) {
			r.fail(fmt.Errorf("epoll_wait: %w", err))
			return
		}
		now = time.Now()
		if !stopping && (!now.Before(r.end) || ctx.Err() != nil) {
			// The window is over: send nothing more; connections with
			// nothing in flight are done now, the others when it is back.
			stopping, drainUntil = true, now.Add(drainTime)
			for _, c := range cs {
				if !c.finished && c.recvd == c.sent {
					c.finished = true
					active--
				}
			}
		}
		if stopping && now.After(drainUntil) {
			for _, c := range cs {
				if !c.finished {
					r.failClient(c, fmt.Errorf("connection %d: %d messages not echoed within %v of the end", c.id, c.sent-c.recvd, drainTime))
				}
			}
			return
		}
		for _, ev := range events[:max(n, 0)] {
			c := cs[ev.Fd]
			if c.finished {
				continue
			}
			if ev.Events&unix.EPOLLOUT != 0 && !r.flush(epfd, c) {
				active--
				continue
			}
			if ev.Events&(unix.EPOLLIN|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
				continue
			}
			var ok bool
			done, ok = r.receive(c, done[:0], now)
			if !ok {
				active--
				continue
			}
			if stopping {
				if c.recvd == c.sent {
					c.finished = true
					active--
				}
				continue
			}
			if len(done) > 0 {
				r.queue(c, len(done), now)
				if !r.flush(epfd, c) {
					active--
				}
			}
		}
	}
}

// receive reads what has arrived on c, checks every complete message and
// records its latency; it reports false if c failed.
func (r *run) receive(c *client, done []time.Time, now time.Time) ([]time.Time, bool) {
	n, err := unix.Read(c.fd, c.in[c.have:])
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		return done, true
	case err != nil:
		r.failClient(c, fmt.Errorf("read after %d messages: %w", c.recvd, err))
		return done, false
	case n == 0:
		r.failClient(c, fmt.Errorf("read after %d messages: connection closed by the server", c.recvd))
		return done, false
	}
	size, depth := r.cfg.Size, uint64(r.cfg.Depth)
	c.have += n
	msgs := c.in[:c.have-c.have%size]
	for off := 0; off < len(msgs); off += size {
		if !c.p.check(msgs[off:off+size], c.recvd) {
			r.failClient(c, fmt.Errorf("connection %d: message %d came back wrong", c.id, c.recvd))
			return done, false
		}
		done = append(done, c.sentAt[c.recvd%depth])
		c.recvd++
	}
	c.have = copy(c.in, c.in[len(msgs):c.have])
	if len(done) > 0 {
		r.record(c.id, now, done)
	}
	return done, true
}

// queue appends k new messages to c's pending output. (It cannot overflow
// out: at most Depth messages are ever queued or in flight.)
func (r *run) queue(c *client, k int, now time.Time) {
	size := r.cfg.Size
	c.outEnd = copy(c.out, c.out[c.outOff:c.outEnd])
	c.outOff = 0
	for range k {
		c.p.put(c.out[c.outEnd:c.outEnd+size], c.sent)
		c.sentAt[c.sent%uint64(r.cfg.Depth)] = now
		c.sent++
		c.outEnd += size
	}
}

// flush writes c's pending output; what the socket does not take now is
// written when epoll reports it writable. It reports false if c failed.
func (r *run) flush(epfd int, c *client) bool {
	for c.outOff < c.outEnd {
		n, err := unix.Write(c.fd, c.out[c.outOff:c.outEnd])
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return r.watchWritable(epfd, c, true)
		}
		if err != nil {
			r.failClient(c, fmt.Errorf("write: %w", err))
			return false
		}
		c.outOff += n
	}
	c.outOff, c.outEnd = 0, 0
	return r.watchWritable(epfd, c, false)
}

// watchWritable adds or removes EPOLLOUT from c's registration, if that
// changes it.
func (r *run) watchWritable(epfd int, c *client, on bool) bool {
	if c.pollOut == on {
		return true
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: c.slot}
	if on {
		ev.Events |= unix.EPOLLOUT
	}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_MOD, c.fd, &ev); err != nil {
		r.failClient(c, fmt.Errorf("epoll_ctl: %w", err))
		return false
	}
	c.pollOut = on
	return true
}

func (r *run) failClient(c *client, err error) {
	c.finished = true
	r.fail(err)
}
