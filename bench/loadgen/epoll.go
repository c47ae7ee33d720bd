package loadgen

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// The epoll engine of the closed loop: one epoll instance and one locked
// OS thread per loop, level-triggered. The generator pays for each batch of
// echoes about what an epoll server pays — one read, one write, a share of
// one epoll_wait — and no goroutine wake-up or trip through the scheduler.

// epollLoop drives cs until the window has ended and every message sent
// has come back (or drainTime has passed, which counts as a failure).
func (r *run) epollLoop(ctx context.Context, cs []*client) {
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

// receive reads what has arrived on c and consumes it; it reports false if
// c failed.
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
	return r.consume(c, n, done, now)
}
