package engine

import (
	"github.com/netloop/netloop/codec/proxyproto"
	"github.com/netloop/netloop/conn"
	"github.com/valyala/bytebufferpool"
	"io"
	"net"
	"sync/atomic"
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

	// A dialled connection's own handler (nil: the server's), and while
	// it is connecting, the dial's state (dial.go).
	h    conn.Handler
	dial *dialState

	in  inbound  // unconsumed input
	out outbound // unsent output

	// Timers (timer.go). lastIn and lastOut are the loop's clock at the
	// last read and the last progress of output. The three built-in
	// timers live out of line, allocated when one is first set, so that a
	// connection that sets none (an idle one, say) does not carry their
	// 240 bytes.
	ct                *connTimers
	idleFor, stallFor int64  // timeouts in nanoseconds; 0 when unset
	lastIn, lastOut   int64  // loop clock readings
	timers            *timer // the handler's armed timers
	timedOut          error  // why a timer expired the connection

	closing    bool  // Close requested or peer gone: flush, then finish
	cause      error // why it is closing
	paused     bool  // reading paused by the high-water mark
	starved    bool  // reading paused by the memory budget
	userPaused bool  // reading paused by the handler (flow.go)
	eof        bool  // the peer half-closed, for a HalfCloseHandler: no more reads
	shutWrite  bool  // CloseWrite was called
	wroteFIN   bool  // and the engine shut the write side down
	idx        int   // in loop.all
	drainTold  bool  // OnDrain has been called
	dirty      bool  // on the loop's flush list

	closeAsked atomic.Bool // Close was called: input is discarded from now on
	closed     atomic.Bool // finished: OnClose ran or is running

	// AsyncWrite's bound, read by other goroutines: posted counts the
	// requests queued and not yet carried out, unsent the output the loop
	// last saw unsent. The loop publishes unsent only once the connection
	// has had an AsyncWrite, so connections that never do pay nothing.
	posted    atomic.Int64
	unsent    atomic.Int64
	asyncSeen bool
}

// requestCost is what an AsyncWrite request counts against
// Config.AsyncWriteLimit on top of its bytes: about the size of a queued
// request, so that a flood of empty writes is bounded too.
const requestCost = 64

// Init prepares c for a new connection on loop l. self is the engine's
// connection value that embeds c, the one handlers receive.
func (c *Core) Init(self conn.Conn, l *Loop, local, remote net.Addr) {
	ct := c.ct // a reused connection keeps its timers' memory, disarmed by Finish
	*c = Core{self: self, loop: l, local: local, remote: remote, ct: ct}
	if ct != nil {
		*ct = connTimers{}
	}
	l.stats.own.Accepted++
	l.stats.own.Open++
	l.track(c)
	l.opened(c)
}

// Write implements conn.Conn.
func (c *Core) Write(p []byte) (int, error) {
	if c.closed.Load() || c.shutWrite {
		return 0, conn.ErrClosed
	}
	c.out.append(p)
	c.queued()
	c.loop.MarkDirty(c)
	c.hold(len(p))
	return len(p), nil
}

// Writev implements conn.Conn.
func (c *Core) Writev(bufs [][]byte) (int, error) {
	if c.closed.Load() || c.shutWrite {
		return 0, conn.ErrClosed
	}
	n := 0
	for _, b := range bufs {
		c.out.append(b)
		n += len(b)
	}
	c.queued()
	c.loop.MarkDirty(c)
	c.hold(n)
	return n, nil
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
	return c.asyncWrite(Request{Kind: RequestWrite, Conn: c, Data: p, Done: done})
}

// AsyncWriteBuffer implements conn.Conn.
func (c *Core) AsyncWriteBuffer(b *bytebufferpool.ByteBuffer) error {
	return c.asyncWrite(Request{Kind: RequestWrite, Conn: c, Data: b.B, Buf: b})
}

// asyncWrite posts the write r to the loop unless that would pass
// Config.AsyncWriteLimit.
func (c *Core) asyncWrite(r Request) error {
	p := r.Data
	if c.closed.Load() {
		return conn.ErrClosed
	}
	cost := int64(len(p)) + requestCost
	before := c.posted.Add(cost) - cost + c.unsent.Load()
	if before > 0 && before+cost > int64(c.loop.cfg.AsyncWriteLimit) {
		c.posted.Add(-cost)
		return conn.ErrWouldBlock
	}
	if err := c.loop.post(r); err != nil {
		c.posted.Add(-cost)
		return err
	}
	return nil
}

// publishUnsent makes the output not yet sent visible to AsyncWrite's
// bound.
func (c *Core) publishUnsent() {
	if c.asyncSeen {
		c.unsent.Store(int64(c.out.len()))
	}
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

// Loop implements conn.Conn.
func (c *Core) Loop() conn.Loop { return c.loop }

// Self returns the engine's connection value given to Init.
func (c *Core) Self() conn.Conn { return c.self }

// Deliver shows newly received bytes to h together with any leftover input,
// keeping what h does not consume. data is not retained. A non-nil error
// means the connection must close with that cause. Once the handler has
// called Close, input is dropped: it asked for no more.
func (c *Core) Deliver(h conn.Handler, data []byte) error {
	if c.h != nil {
		h = c.h
	}
	if c.idleFor > 0 {
		c.lastIn = c.loop.clock()
	}
	c.loop.stats.own.BytesIn += uint64(len(data))
	if c.closeAsked.Load() {
		return nil
	}
	if c.in.buf == nil {
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
		c.in.append(data[n:])
		c.hold(len(data) - n)
		return nil
	}
	if c.in.len()+len(data) > c.loop.cfg.MaxInput {
		return conn.ErrInputTooLarge
	}
	c.in.append(data)
	c.hold(len(data))
	in := c.in.bytes()
	n := h.OnData(c.self, in)
	if n < 0 || n > len(in) {
		return conn.ErrBadConsume
	}
	c.in.consume(n)
	c.hold(-n)
	return nil
}

// Pending returns the unsent bytes of the first block of output not yet
// handed to the kernel: empty exactly when nothing is pending. An engine
// that writes one slice at a time writes it and calls Advance; one that
// writes several at once uses PendingVec. The slice is valid until the
// next Advance or Finish; later Writes never move it.
func (c *Core) Pending() []byte { return c.out.pending() }

// PendingVec appends the output not yet handed to the kernel to dst, one
// slice per block and in order, and returns it. It appends no more slices
// than dst has spare capacity for, so the engine bounds the vector (by
// IOV_MAX, or less) with the capacity of the array it passes. The slices
// are valid until the next Advance or Finish; later Writes never move them.
func (c *Core) PendingVec(dst [][]byte) [][]byte { return c.out.pendingVec(dst) }

// Buffered returns the number of bytes of output not yet handed to the
// kernel, in all blocks.
func (c *Core) Buffered() int { return c.out.len() }

// Sending is Pending for an engine that sends asynchronously: it also
// marks the output in flight until Advance, so that its blocks are never
// reused for anything else before the kernel is done with them, even if the
// connection finishes meanwhile. The engine keeps the slice referenced
// until the send completes.
func (c *Core) Sending() []byte {
	p := c.out.pending()
	if len(p) > 0 {
		c.out.inSend = true
	}
	return p
}

// SendingVec is PendingVec for an engine that sends asynchronously; it
// marks the output in flight as Sending does. The engine keeps every slice
// referenced until the send completes.
func (c *Core) SendingVec(dst [][]byte) [][]byte {
	n := len(dst)
	dst = c.out.pendingVec(dst)
	if len(dst) > n {
		c.out.inSend = true
	}
	return dst
}

// Advance records that the kernel accepted the first n pending bytes
// (which may span several slices of PendingVec), runs the AsyncWrite
// completions that became due, and reports whether reading should resume
// after a pause for the high-water mark.
func (c *Core) Advance(n int) (resume bool) {
	c.loop.stats.own.BytesOut += uint64(n)
	c.out.advance(n)
	if n > 0 && c.stallFor > 0 {
		c.lastOut = c.loop.clock()
	}
	c.hold(-n)
	c.publishUnsent()
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
// from it until Advance reports resume. It also reports true while the
// memory budget pauses the connection; OverBudget marks it dirty when that
// ends, so the engine's flush asks again.
func (c *Core) OverHighWater() bool {
	if !c.paused && c.out.len() > c.loop.cfg.WriteHighWater {
		c.paused = true
		c.loop.stats.own.Paused++
	}
	return c.paused || c.starved || c.userPaused || c.eof
}

// Paused reports whether reading is paused by the high-water mark or by
// the server's memory budget (see Loop.OverBudget).
func (c *Core) Paused() bool { return c.paused || c.starved || c.userPaused || c.eof }

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
	if c.h != nil {
		h = c.h
	}
	if c.dial != nil {
		// It never connected: say so, with the cause.
		if c.dial.stop != nil {
			c.dial.stop()
		}
		err = c.dial.dialError(err)
		c.dial = nil
	}
	if err == io.EOF && c.in.len() > 0 {
		// The peer closed in the middle of a frame: say so, rather than
		// drop the partial input without a word.
		err = conn.ErrUnexpectedEOF
	}
	st := &c.loop.stats.own
	st.Open--
	if c.paused {
		st.Paused--
	}
	countClose(&st.Closed, err)
	c.hold(-c.held())
	c.loop.untrack(c)
	c.loop.checkDrained()
	c.in.release()
	c.out.release()
	notes := c.out.notes
	c.out.notes = nil
	c.stopTimers()
	// Deferred, so that a completion that panics cannot keep the others,
	// or OnClose, from running: they run in order, OnClose last.
	defer h.OnClose(c.self, err)
	for i := len(notes) - 1; i >= 0; i-- {
		defer notes[i].done(c.self, conn.ErrClosed)
	}
}
