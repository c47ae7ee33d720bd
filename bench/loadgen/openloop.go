package loadgen

import (
	"context"
	"fmt"
	"net"
	"time"
)

// openLoop sends messages on c on a fixed schedule — message i is due at
// start + offset + i*interval — and measures each latency from that due
// time, so a stalled server is charged for every message it held up.
func (r *run) openLoop(ctx context.Context, c net.Conn, id int, start time.Time) {
	interval := time.Duration(float64(r.cfg.Conns) / r.cfg.Rate * float64(time.Second))
	// Spread the connections' schedules over one interval so that they do
	// not all fire at once.
	first := start.Add(interval * time.Duration(id) / time.Duration(r.cfg.Conns))
	due := make(chan time.Time, 1<<12) // due times of messages written but not yet echoed
	sender := make(chan struct{})
	go func() {
		defer close(sender)
		defer close(due)
		r.sendOnSchedule(ctx, c, id, first, interval, due)
	}()
	// When the window ends the sender stops; once it has, the receiver
	// waits drainTime for what is in flight, or not at all if nothing is.
	stop := context.AfterFunc(ctx, func() {
		c.SetWriteDeadline(time.Now().Add(drainTime))
		<-sender
		if len(due) == 0 {
			c.SetReadDeadline(time.Now())
		} else {
			c.SetReadDeadline(time.Now().Add(drainTime))
		}
	})
	defer stop()
	r.receiveScheduled(ctx, c, id, due)
	// If the receiver gave up early, closing the connection fails the
	// sender's next write; draining due unblocks a sender that is waiting
	// for room in it.
	c.Close()
	for range due {
	}
	<-sender
}

func (r *run) sendOnSchedule(ctx context.Context, c net.Conn, id int, first time.Time, interval time.Duration, due chan<- time.Time) {
	size := r.cfg.Size
	p := newPayload(size, id)
	const maxBatch = 64
	out := make([]byte, maxBatch*size)
	var seq uint64
	timer := time.NewTimer(0) // one timer, reset for every wait: no allocation per message
	defer timer.Stop()
	<-timer.C
	for next := first; ; {
		now := time.Now()
		if wait := next.Sub(now); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			now = time.Now()
		}
		if ctx.Err() != nil {
			return
		}
		// Send every message already due, late ones included, in one write.
		n := 0
		for ; n < maxBatch && !next.After(now); n++ {
			p.put(out[n*size:(n+1)*size], seq)
			seq++
			due <- next
			next = next.Add(interval)
		}
		if _, err := c.Write(out[:n*size]); err != nil {
			r.fail(fmt.Errorf("write: %w", err))
			c.Close() // wake the receiver
			return
		}
	}
}

func (r *run) receiveScheduled(ctx context.Context, c net.Conn, id int, due <-chan time.Time) {
	size := r.cfg.Size
	p := newPayload(size, id)
	in := make([]byte, 64*size)
	var done []time.Time
	var seq uint64
	have := 0
	for {
		n, err := c.Read(in[have:])
		if err != nil {
			if ctx.Err() == nil || len(due) > 0 {
				r.fail(fmt.Errorf("read after %d messages: %w", seq, err))
			}
			return
		}
		now := time.Now()
		have += n
		done = done[:0]
		msgs := in[:have-have%size]
		for off := 0; off < len(msgs); off += size {
			if !p.check(msgs[off:off+size], seq) {
				r.fail(fmt.Errorf("connection %d: message %d came back wrong", id, seq))
				c.Close()
				return
			}
			t, ok := <-due
			if !ok {
				r.fail(fmt.Errorf("connection %d: echo of a message never sent", id))
				return
			}
			done = append(done, t)
			seq++
		}
		r.record(id, now, done)
		have = copy(in, in[len(msgs):have])
		if ctx.Err() != nil && len(due) == 0 && have == 0 {
			return // window over and everything sent has come back
		}
	}
}
