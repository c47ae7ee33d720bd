package loadgen

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/netloop/netloop/internal/uring"
	"golang.org/x/sys/unix"
)

// The io_uring engine of the closed loop: one ring and one locked OS thread
// per loop, each connection with at most one read and one send in flight.
// A whole batch of sends and reads costs one io_uring_enter, so the
// generator spends far fewer system calls per message than any epoll
// program can — what lets one core of it keep a fast server on another
// core saturated.
//
// user_data of every SQE: the connection's index in the loop's clients,
// shifted left one bit, or'ed with opRead or opSend.
const (
	opRead = 0
	opSend = 1
)

// uringUsable reports, once per process, whether io_uring can run here the
// way this engine uses it.
var uringUsable = sync.OnceValue(func() error { return uring.SelfTest() })

// uringLoop drives cs until the window has ended and every message sent has
// come back (or drainTime has passed, which counts as a failure). The
// memory of every read and send stays referenced by cs until the ring holds
// no operation any more: the kernel writes into and reads from it.
func (r *run) uringLoop(ctx context.Context, cs []*client) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ring, err := uring.New(uint32(min(2*len(cs)+8, 4096)), 0)
	if err != nil {
		for _, c := range cs {
			r.failClient(c, fmt.Errorf("io_uring: %w", err))
		}
		return
	}
	defer ring.Close()
	u := &uringState{r: r, ring: ring, cs: cs}
	defer u.teardown()

	now := time.Now()
	for i, c := range cs {
		c.slot = int32(i)
		r.queue(c, r.cfg.Depth, now)
		u.send(c)
		u.read(c)
	}
	active := len(cs)
	cqes := make([]uring.CQE, 512)
	done := make([]time.Time, 0, r.cfg.Depth)
	stopping := false
	var drainUntil time.Time
	for active > 0 {
		if _, err := ring.SubmitAndWait(1, 50*time.Millisecond); err != nil {
			for _, c := range cs {
				if !c.finished {
					r.failClient(c, err)
				}
			}
			return
		}
		now = time.Now()
		if !stopping && (!now.Before(r.end) || ctx.Err() != nil) {
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
		for n := ring.PeekCQEs(cqes); n > 0; n = ring.PeekCQEs(cqes) {
			for _, cqe := range cqes[:n] {
				c := cs[cqe.UserData>>1]
				wasFinished := c.finished
				if cqe.UserData&1 == opSend {
					u.sent(c, cqe.Res, stopping, now)
				} else {
					done = u.received(c, cqe.Res, stopping, done[:0], now)
				}
				if !wasFinished && c.finished {
					active--
				}
			}
		}
	}
}

// uringState is one loop's ring and connections.
type uringState struct {
	r    *run
	ring *uring.Ring
	cs   []*client
}

// sqe returns a free SQE, submitting what is queued if the ring is full.
func (u *uringState) sqe() *uring.SQE {
	for {
		if e := u.ring.GetSQE(); e != nil {
			return e
		}
		u.ring.Submit()
	}
}

func (u *uringState) read(c *client) {
	u.sqe().PrepRead(c.fd, c.in[c.have:], uint64(c.slot)<<1|opRead)
	c.readBusy = true
}

func (u *uringState) send(c *client) {
	u.sqe().PrepSend(c.fd, c.out[c.outOff:c.outEnd], unix.MSG_NOSIGNAL, uint64(c.slot)<<1|opSend)
	c.sendBusy = true
}

// sent handles the completion of a send of res bytes (or -errno).
func (u *uringState) sent(c *client, res int32, stopping bool, now time.Time) {
	c.sendBusy = false
	if c.finished {
		return
	}
	if res < 0 {
		u.r.failClient(c, fmt.Errorf("send: %w", unix.Errno(-res)))
		return
	}
	c.outOff += int(res)
	if c.outOff < c.outEnd { // short send: the rest goes next
		u.send(c)
		return
	}
	c.outOff, c.outEnd = 0, 0
	if c.owed > 0 && !stopping {
		u.r.queue(c, c.owed, now)
		c.owed = 0
		u.send(c)
	}
}

// received handles the completion of a read of res bytes (or -errno): it
// checks and records the messages, sends as many new ones (or owes them
// while a send is in flight) and reads again.
func (u *uringState) received(c *client, res int32, stopping bool, done []time.Time, now time.Time) []time.Time {
	c.readBusy = false
	if c.finished {
		return done
	}
	switch {
	case res == -int32(unix.EINTR) || res == -int32(unix.EAGAIN):
		u.read(c)
		return done
	case res < 0:
		u.r.failClient(c, fmt.Errorf("read after %d messages: %w", c.recvd, unix.Errno(-res)))
		return done
	case res == 0:
		u.r.failClient(c, fmt.Errorf("read after %d messages: connection closed by the server", c.recvd))
		return done
	}
	done, ok := u.r.consume(c, int(res), done, now)
	if !ok {
		return done
	}
	if stopping {
		if c.recvd == c.sent {
			c.finished = true
			return done
		}
	} else if len(done) > 0 {
		if c.sendBusy {
			c.owed += len(done)
		} else {
			u.r.queue(c, len(done), now)
			u.send(c)
		}
	}
	u.read(c)
	return done
}

// teardown ends every operation still in flight — shutting a socket down
// completes its read — and reaps them, so that no kernel reference to the
// clients' buffers outlives the ring.
func (u *uringState) teardown() {
	busy := func() int {
		n := 0
		for _, c := range u.cs {
			if c.readBusy || c.sendBusy {
				n++
			}
		}
		return n
	}
	for _, c := range u.cs {
		c.finished = true
		if c.readBusy || c.sendBusy {
			unix.Shutdown(c.fd, unix.SHUT_RDWR)
		}
	}
	cqes := make([]uring.CQE, 512)
	deadline := time.Now().Add(drainTime)
	for busy() > 0 && time.Now().Before(deadline) {
		u.ring.SubmitAndWait(1, 50*time.Millisecond)
		for n := u.ring.PeekCQEs(cqes); n > 0; n = u.ring.PeekCQEs(cqes) {
			for _, cqe := range cqes[:n] {
				c := u.cs[cqe.UserData>>1]
				if cqe.UserData&1 == opSend {
					c.sendBusy = false
				} else {
					c.readBusy = false
				}
			}
		}
	}
	if busy() > 0 {
		// The kernel still holds operations on our buffers: keep them
		// alive for good rather than let it write into freed memory.
		leaked.Lock()
		leaked.clients = append(leaked.clients, u.cs)
		leaked.Unlock()
	}
}

// leaked holds the clients of loops whose operations never completed.
var leaked struct {
	sync.Mutex
	clients [][]*client
}
