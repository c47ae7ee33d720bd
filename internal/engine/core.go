package engine

import (
	"github.com/netloop/netloop/codec/proxyproto"
	"github.com/netloop/netloop/conn"
	"net"
	"sync/atomic"
	"time"
)

// Core is the engine-independent part of a connection. An engine's
// connection type embeds it, which gives that type every conn.Conn method; the
// engine adds only how bytes reach the kernel. The exported methods below
// the conn.Conn methods are for engines, which call them on the loop goroutine.
type Core struct {
	self   conn.Conn // the engine's connection, as handed to the handler
	loop   *Loop
	local  net.Addr
	remote net.Addr
	value  any
	proxy  *proxyproto.Header // the PROXY header it arrived with; see proxyhandler.go

	in  *buffer // unconsumed input; nil when none
	out outbound

	deadline int64 // unix nanoseconds; 0 means none
	timed    bool  // on loop.timed

	closing bool  // Close requested or peer gone: flush, then finish
	cause   error // why it is closing
	paused  bool  // reading paused by the high-water mark
	dirty   bool  // on the loop's flush list

	closeAsked atomic.Bool // Close was called: input is discarded from now on
	closed     atomic.Bool // finished: OnClose ran or is running
}

// Init prepares c for a new connection on loop l. self is the engine's
// connection value that embeds c, the one handlers receive.
func (c *Core) Init(self conn.Conn, l *Loop, local, remote net.Addr) {
	*c = Core{self: self, loop: l, local: local, remote: remote}
	l.stats.own.Accepted++
	l.stats.own.Open++
}

// Write implements conn.Conn.
func (c *Core) Write(p []byte) (int, error) {
	if c.closed.Load() {
		return 0, conn.ErrClosed
	}
	c.out.append(p)
	return len(p), nil
}

// Writev implements conn.Conn.
func (c *Core) Writev(bufs [][]byte) (int, error) {
	if c.closed.Load() {
		return 0, conn.ErrClosed
	}
	n := 0
	for _, b := range bufs {
		c.out.append(b)
		n += len(b)
	}
	return n, nil
}

// SetDeadline implements conn.Conn.
func (c *Core) SetDeadline(t time.Time) error {
	if c.closed.Load() {
		return conn.ErrClosed
	}
	if t.IsZero() {
		c.deadline = 0
		return nil
	}
	c.deadline = t.UnixNano()
	if !c.timed {
		c.timed = true
		c.loop.timed = append(c.loop.timed, c)
	}
	return nil
}

// LocalAddr implements conn.Conn.
func (c *Core) LocalAddr() net.Addr { return c.local }

// RemoteAddr implements conn.Conn.
func (c *Core) RemoteAddr() net.Addr { return c.remote }

// Context implements conn.Conn.
func (c *Core) Context() any { return c.value }

// SetContext implements conn.Conn.
func (c *Core) SetContext(v any) { c.value = v }

// AsyncWrite implements conn.Conn.
func (c *Core) AsyncWrite(p []byte, done func(conn.Conn, error)) error {
	if c.closed.Load() {
		return conn.ErrClosed
	}
	return c.loop.post(Request{Kind: RequestWrite, Conn: c, Data: p, Done: done})
}

// Wake implements conn.Conn.
func (c *Core) Wake() error {
	if c.closed.Load() {
		return conn.ErrClosed
	}
	return c.loop.post(Request{Kind: RequestWake, Conn: c})
}

// Close implements conn.Conn.
func (c *Core) Close() error {
	if c.closed.Load() || c.closeAsked.Swap(true) {
		return nil
	}
	return c.loop.post(Request{Kind: RequestClose, Conn: c})
}

// Self returns the engine's connection value given to Init.
func (c *Core) Self() conn.Conn { return c.self }

// Deliver shows newly received bytes to h together with any leftover input,
// keeping what h does not consume. data is not retained. A non-nil error
// means the connection must close with that cause. Once the handler has
// called Close, input is dropped: it asked for no more.
func (c *Core) Deliver(h conn.Handler, data []byte) error {
	c.loop.stats.own.BytesIn += uint64(len(data))
	if c.closeAsked.Load() {
		return nil
	}
	if c.in == nil {
		n := h.OnData(c.self, data)
		if n < 0 || n > len(data) {
			return conn.ErrBadConsume
		}
		if n == len(data) {
			return nil
		}
		if len(data)-n > c.loop.cfg.MaxInput {
			return conn.ErrInputTooLarge
		}
		c.in = inPool.get(len(data) - n)
		c.in.B = append(c.in.B, data[n:]...)
		return nil
	}
	if len(c.in.B)+len(data) > c.loop.cfg.MaxInput {
		return conn.ErrInputTooLarge
	}
	if len(c.in.B)+len(data) > cap(c.in.B) {
		old := c.in
		c.in = inPool.grown(old, len(data))
		inPool.put(old)
	}
	c.in.B = append(c.in.B, data...)
	n := h.OnData(c.self, c.in.B)
	if n < 0 || n > len(c.in.B) {
		return conn.ErrBadConsume
	}
	if n > 0 {
		c.in.B = c.in.B[:copy(c.in.B, c.in.B[n:])]
	}
	if len(c.in.B) == 0 {
		inPool.put(c.in)
		c.in = nil
	}
	return nil
}

// Pending returns the output not yet handed to the kernel. The slice is
// valid until the next Write, Advance or Finish.
func (c *Core) Pending() []byte { return c.out.pending() }

// Sending returns the output not yet handed to the kernel, for an engine
// that sends it asynchronously, and marks it in flight until Advance: the
// buffer holding it is then never reused for anything else, even if a Write
// moves the output to a larger buffer. The engine keeps the slice
// referenced until the send completes.
func (c *Core) Sending() []byte {
	p := c.out.pending()
	if len(p) > 0 {
		c.out.inSend = true
	}
	return p
}

// Advance records that the kernel accepted the first n bytes of Pending,
// runs the AsyncWrite completions that became due, and reports whether
// reading should resume after a pause for the high-water mark.
func (c *Core) Advance(n int) (resume bool) {
	c.loop.stats.own.BytesOut += uint64(n)
	c.out.advance(n)
	for len(c.out.notes) > 0 && c.out.notes[0].end <= c.out.written {
		done := c.out.notes[0].done
		c.out.notes[0] = note{}
		c.out.notes = c.out.notes[1:]
		done(c.self, nil)
	}
	if len(c.out.notes) == 0 {
		c.out.notes = c.out.notes[:0:0] // let a long queue's array go
	}
	if c.paused && c.out.len() <= c.loop.cfg.WriteHighWater/2 {
		c.paused = false
		c.loop.stats.own.Paused--
		return true
	}
	return false
}

// OverHighWater reports whether unsent output has passed the high-water
// mark, and if so marks the connection paused: the engine must stop reading
// from it until Advance reports resume.
func (c *Core) OverHighWater() bool {
	if !c.paused && c.out.len() > c.loop.cfg.WriteHighWater {
		c.paused = true
		c.loop.stats.own.Paused++
	}
	return c.paused
}

// Paused reports whether reading is paused by the high-water mark.
func (c *Core) Paused() bool { return c.paused }

// StartClose marks the connection closing with cause unless it already is:
// the engine stops reading, flushes what is pending, then calls Finish.
// The first cause wins.
func (c *Core) StartClose(cause error) {
	if !c.closing {
		c.closing = true
		c.cause = cause
	}
}

// Closing reports whether StartClose was called, and with which cause.
func (c *Core) Closing() (bool, error) { return c.closing, c.cause }

// Closed reports whether Finish was called.
func (c *Core) Closed() bool { return c.closed.Load() }

// Finish ends the connection: it releases its buffers, fails pending
// AsyncWrite completions with conn.ErrClosed, and calls h.OnClose once with err.
// The engine must already have closed (or be about to close) the socket.
// Later calls do nothing.
func (c *Core) Finish(h conn.Handler, err error) {
	if c.closed.Swap(true) {
		return
	}
	st := &c.loop.stats.own
	st.Open--
	if c.paused {
		st.Paused--
	}
	countClose(&st.Closed, err)
	if c.in != nil {
		inPool.put(c.in)
		c.in = nil
	}
	c.out.release()
	notes := c.out.notes
	c.out.notes = nil
	c.deadline = 0
	// Deferred, so that a completion that panics cannot keep the others,
	// or OnClose, from running: they run in order, OnClose last.
	defer h.OnClose(c.self, err)
	for i := len(notes) - 1; i >= 0; i-- {
		defer notes[i].done(c.self, conn.ErrClosed)
	}
}
