package loadgen

import (
	"context"
	"fmt"
	"net"
	"time"
)

// closedLoop keeps cfg.Depth messages in flight on c: it writes Depth
// messages, then after every read writes as many new messages as came back
// complete, until the window ends; then it collects what is still in flight.
func (r *run) closedLoop(ctx context.Context, c net.Conn, id int) {
	size, depth := r.cfg.Size, r.cfg.Depth
	p := newPayload(size, id)
	out := make([]byte, depth*size)
	in := make([]byte, depth*size)
	sentAt := make([]time.Time, depth) // ring: send time of message seq is sentAt[seq%depth]
	done := make([]time.Time, 0, depth)
	var sent, recvd uint64 // sequence numbers of the next message to send / to receive

	// Once the window ends no new message is sent; give the ones in
	// flight drainTime to come back.
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now().Add(drainTime)) })
	defer stop()

	send := func(n int, now time.Time) bool {
		for i := range n {
			p.put(out[i*size:(i+1)*size], sent)
			sentAt[sent%uint64(depth)] = now
			sent++
		}
		if _, err := c.Write(out[:n*size]); err != nil {
			r.fail(fmt.Errorf("write: %w", err))
			return false
		}
		return true
	}
	if !send(depth, time.Now()) {
		return
	}
	have := 0 // bytes of a partial message at the start of in
	for recvd < sent {
		n, err := c.Read(in[have:])
		if err != nil {
			// Messages are still in flight, so this is a failure whether
			// the window is over or not.
			r.fail(fmt.Errorf("read after %d messages: %w", recvd, err))
			return
		}
		now := time.Now()
		have += n
		done = done[:0]
		msgs := in[:have-have%size]
		for off := 0; off < len(msgs); off += size {
			if !p.check(msgs[off:off+size], recvd) {
				r.fail(fmt.Errorf("connection %d: message %d came back wrong", id, recvd))
				return
			}
			done = append(done, sentAt[recvd%uint64(depth)])
			recvd++
		}
		r.record(id, now, done)
		have = copy(in, in[len(msgs):have])
		if len(done) > 0 && ctx.Err() == nil {
			if !send(len(done), now) {
				return
			}
		}
	}
}
