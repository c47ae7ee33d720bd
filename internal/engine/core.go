package engine

import (
	"io"
	"net"
	"net/netip"
	"sync/atomic"

	"github.com/valyala/bytebufferpool"

	"github.com/netloop/netloop/conn"
)

// Core is the engine-independent part of a connection. An engine's
// connection type embeds it, which gives that type every conn.Conn method; the
// engine adds only how bytes reach the kernel. The exported methods below
// the conn.Conn methods are for engines, which call them on the loop goroutine.
//
// Core is kept small, because an idle connection is mostly its Core: it
// holds inline only what every connection needs (112 bytes on 64-bit
// platforms, checked by a test), and everything else lives out of line,
// allocated or borrowed only when a connection needs it: the outbound
// queue while output is queued (a per-loop free list, so no allocation in
// steady state), the built-in timers once one is set, and the rarely used
// state in extra (extra.go). Addresses are kept as raw bytes (addr.go)
// and become net.Addr values only when asked for.
type Core struct {
	self  conn.Conn // the engine's connection, as handed to the handler
	loop  *Loop
	value any
	out   *outbound // unsent output; nil while none is queued (outbound.go)
	in    inbound   // unconsumed input; holds a buffer only while there is some

	// x is the out-of-line state, allocated on first need by whichever
	// goroutine needs it first (AsyncWrite and the addresses may be
	// called from any goroutine); nil for most idle connections.
	x atomic.Pointer[extra]

	addrs compactAddrs // the addresses as the kernel gave them (addr.go)
	flags coreFlags    // loop only
	idx   int32        // in loop.all

	// state holds closeAsked and closed, read from any goroutine.
	state atomic.Uint32
}

// coreFlags are a connection's loop-only booleans, packed in one word.
type coreFlags uint16

const (
	flagClosing    coreFlags = 1 << iota // Close requested or peer gone: flush, then finish
	flagPaused                           // reading paused by the high-water mark
	flagStarved                          // reading paused by the memory budget
	flagUserPaused                       // reading paused by the handler (flow.go)
	flagEOF                              // the peer half-closed, for a HalfCloseHandler: no more reads
	flagShutWrite                        // CloseWrite was called
	flagWroteFIN                         // and the engine shut the write side down
	flagDrainTold                        // OnDrain has been called
	flagDirty                            // on the loop's flush list
	flagAsyncSeen                        // had an AsyncWrite: unsent is published (extra.go)

	// The commonest causes of closing need no out-of-line storage: one
	// of these flags stands for them; any other cause is kept in extra.
	flagCauseEOF          // the cause is io.EOF
	flagCauseServerClosed // the cause is conn.ErrServerClosed
)

func (c *Core) has(f coreFlags) bool { return c.flags&f != 0 }
func (c *Core) set(f coreFlags)      { c.flags |= f }
func (c *Core) unset(f coreFlags)    { c.flags &^= f }

// The bits of Core.state.
const (
	stateCloseAsked uint32 = 1 << iota // Close was called: input is discarded from now on
	stateClosed                        // finished: OnClose ran or is running
)

// closed reports whether the connection has finished; any goroutine.
func (c *Core) closed() bool { return c.state.Load()&stateClosed != 0 }

// closeAsked reports whether Close was called; any goroutine.
func (c *Core) closeAsked() bool { return c.state.Load()&stateCloseAsked != 0 }

// requestCost is what an AsyncWrite request counts against
// Config.AsyncWriteLimit on top of its bytes: about the size of a queued
// request, so that a flood of empty writes is bounded too.
const requestCost = 64

// Init prepares c for a new connection on loop l whose addresses are
// already net.Addr values (a goroutine engine's net.Conn has them, say).
// self is the engine's connection value that embeds c, the one handlers
// receive. Engines that accept from the kernel use InitAccepted, which
// allocates nothing.
func (c *Core) Init(self conn.Conn, l *Loop, local, remote net.Addr) {
	*c = Core{self: self, loop: l}
	c.extra().addrs.Store(&addrPair{local: local, remote: remote})
	c.opened()
}

// InitAccepted prepares c, as Init does, for a TCP connection accepted on
// loop l, with its addresses as raw values: remote is the peer's; local
// is the connection's own, or the zero Addr to take the listener's (see
// Loop.SetListenAddr), as for a listener bound to one address. It
// allocates nothing: the net.Addr values are built when first asked for.
func (c *Core) InitAccepted(self conn.Conn, l *Loop, remote, local netip.AddrPort) {
	*c = Core{self: self, loop: l}
	c.addrs.setRemote(remote)
	c.addrs.setLocal(local)
	c.opened()
}

func (c *Core) opened() {
	l := c.loop
	l.stats.own.Accepted++
	l.stats.own.Open++
	l.live.Add(1)
	l.track(c)
	l.opened(c)
}

// Write implements conn.Conn.
func (c *Core) Write(p []byte) (int, error) {
	if c.closed() || c.has(flagShutWrite) {
		return 0, conn.ErrClosed
	}
	n := len(p)
	if n >= minWriteNow && c.out.len() == 0 && c.loop.writeNow != nil {
		p = p[c.writeNow(p):]
	}
	if len(p) > 0 {
		c.outbound().append(p)
		c.queued()
	}
	c.loop.MarkDirty(c)
	c.hold(len(p))
	return n, nil
}

// minWriteNow is the smallest Write that an engine able to (SetWriteNow)
// hands to the kernel at once, from the caller's bytes, when nothing is
// queued before it. Smaller ones are queued, so that the replies one
// callback writes leave in one system call; from a few KiB on, copying
// them into the queue costs more than a system call saves, and a large
// write goes out in a call of its own anyway.
const minWriteNow = 4 << 10

// writeNow hands p to the engine's writeNow and counts what the kernel
// took, as Advance counts a flush.
func (c *Core) writeNow(p []byte) int {
	n := c.loop.writeNow(c, p)
	if n > 0 {
		c.loop.stats.own.BytesOut += uint64(n)
		if ct := c.timers(); ct != nil && ct.stallFor > 0 {
			ct.lastOut = c.loop.clock()
		}
	}
	return n
}

// Writev implements conn.Conn.
func (c *Core) Writev(bufs [][]byte) (int, error) {
	if c.closed() || c.has(flagShutWrite) {
		return 0, conn.ErrClosed
	}
	n := 0
	for _, b := range bufs {
		if len(b) > 0 {
			c.outbound().append(b)
			n += len(b)
		}
	}
	c.queued()
	c.loop.MarkDirty(c)
	c.hold(n)
	return n, nil
}

// outbound returns c's output queue, taking one from the loop's free list
// if c has none.
func (c *Core) outbound() *outbound {
	if c.out == nil {
		c.out = c.loop.getOutbound()
	}
	return c.out
}

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
	if c.closed() {
		return conn.ErrClosed
	}
	x := c.extra()
	cost := int64(len(p)) + requestCost
	before := x.posted.Add(cost) - cost + x.unsent.Load()
	if before > 0 && before+cost > int64(c.loop.cfg.AsyncWriteLimit) {
		x.posted.Add(-cost)
		return conn.ErrWouldBlock
	}
	if err := c.loop.post(r); err != nil {
		x.posted.Add(-cost)
		return err
	}
	return nil
}

// publishUnsent makes the output not yet sent visible to AsyncWrite's
// bound. Only connections that have had an AsyncWrite pay for it.
func (c *Core) publishUnsent() {
	if c.has(flagAsyncSeen) {
		c.extra().unsent.Store(int64(c.out.len()))
	}
}

// Wake implements conn.Conn.
func (c *Core) Wake() error {
	if c.closed() {
		return conn.ErrClosed
	}
	return c.loop.post(Request{Kind: RequestWake, Conn: c})
}

// Close implements conn.Conn.
func (c *Core) Close() error {
	if c.closed() || c.state.Or(stateCloseAsked)&stateCloseAsked != 0 {
		return nil
	}
	return c.loop.post(Request{Kind: RequestClose, Conn: c})
}

// Loop implements conn.Conn.
func (c *Core) Loop() conn.Loop { return c.loop }

// Self returns the engine's connection value given to Init.
func (c *Core) Self() conn.Conn { return c.self }

// handler returns h, or c's own handler if it has one (a dialled
// connection's).
func (c *Core) handler(h conn.Handler) conn.Handler {
	if x := c.x.Load(); x != nil && x.h != nil {
		return x.h
	}
	return h
}

// Deliver shows newly received bytes to h together with any leftover input,
// keeping what h does not consume. data is not retained. A non-nil error
// means the connection must close with that cause. Once the handler has
// called Close, input is dropped: it asked for no more.
func (c *Core) Deliver(h conn.Handler, data []byte) error {
	if x := c.x.Load(); x != nil {
		if x.h != nil {
			h = x.h
		}
		if ct := x.ct; ct != nil && ct.idleFor > 0 {
			ct.lastIn = c.loop.clock()
		}
	}
	c.loop.stats.own.BytesIn += uint64(len(data))
	if c.closeAsked() {
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
// connection finishes meanwhile. Until Advance the Core itself keeps the
// blocks referenced (Finish leaves them in place), so they stay alive for
// as long as the engine keeps the connection; an engine that may drop the
// connection first keeps the slice referenced until the send completes.
func (c *Core) Sending() []byte {
	p := c.out.pending()
	if len(p) > 0 {
		c.out.inSend = true
	}
	return p
}

// SendingVec is PendingVec for an engine that sends asynchronously; it
// marks the output in flight as Sending does.
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
// after a pause for the high-water mark. Output drained, the queue goes
// back to the loop's free list.
func (c *Core) Advance(n int) (resume bool) {
	o := c.out
	if o == nil || c.closed() {
		return false // nothing queued, or finished: Finish settled the counts
	}
	c.loop.stats.own.BytesOut += uint64(n)
	o.advance(n)
	if n > 0 {
		if ct := c.timers(); ct != nil && ct.stallFor > 0 {
			ct.lastOut = c.loop.clock()
		}
	}
	c.hold(-n)
	c.publishUnsent()
	for len(o.notes) > 0 && o.notes[0].end <= o.written {
		done := o.notes[0].done
		o.notes[0] = note{}
		o.notes = o.notes[1:]
		done(c.self, nil)
	}
	if len(o.notes) == 0 {
		o.notes = o.notes[:0:0] // let a long queue's array go
		// A completion may have queued more, or even finished c, which
		// already gave the queue back.
		if c.out == o && o.n == 0 && !o.inSend {
			c.out = nil
			c.loop.putOutbound(o)
		}
	}
	if c.has(flagPaused) && c.out.len() <= c.loop.cfg.WriteHighWater/2 {
		c.unset(flagPaused)
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
	if !c.has(flagPaused) && c.out.len() > c.loop.cfg.WriteHighWater {
		c.set(flagPaused)
		c.loop.stats.own.Paused++
	}
	return c.Paused()
}

// Paused reports whether reading is paused by the high-water mark or by
// the server's memory budget (see Loop.OverBudget).
func (c *Core) Paused() bool {
	return c.has(flagPaused | flagStarved | flagUserPaused | flagEOF)
}

// StartClose marks the connection closing with cause unless it already is:
// the engine stops reading, flushes what is pending, then calls Finish.
// The first cause wins.
func (c *Core) StartClose(cause error) {
	if !c.has(flagClosing) {
		c.set(flagClosing)
		c.setCause(cause)
	}
}

// Abort is StartClose for a connection to close without flushing: its
// cause replaces any gentler one given before.
func (c *Core) Abort(cause error) {
	c.set(flagClosing)
	c.setCause(cause)
}

func (c *Core) setCause(cause error) {
	c.unset(flagCauseEOF | flagCauseServerClosed)
	switch cause {
	case io.EOF:
		c.set(flagCauseEOF)
	case conn.ErrServerClosed:
		c.set(flagCauseServerClosed)
	default:
		if cause != nil || c.x.Load() != nil {
			c.extra().cause = cause
			return
		}
	}
	if x := c.x.Load(); x != nil {
		x.cause = nil
	}
}

// Closing reports whether StartClose was called, and with which cause.
func (c *Core) Closing() (bool, error) {
	if !c.has(flagClosing) {
		return false, nil
	}
	switch {
	case c.has(flagCauseEOF):
		return true, io.EOF
	case c.has(flagCauseServerClosed):
		return true, conn.ErrServerClosed
	}
	if x := c.x.Load(); x != nil {
		return true, x.cause
	}
	return true, nil
}

// Closed reports whether Finish was called.
func (c *Core) Closed() bool { return c.closed() }

// Finish ends the connection: it releases its buffers, fails pending
// AsyncWrite completions with conn.ErrClosed, and calls h.OnClose once with err.
// The engine must already have closed (or be about to close) the socket.
// Later calls do nothing.
func (c *Core) Finish(h conn.Handler, err error) {
	if c.state.Or(stateClosed)&stateClosed != 0 {
		return
	}
	h = c.handler(h)
	if x := c.x.Load(); x != nil && x.dial != nil {
		// It never connected: say so, with the cause.
		if x.dial.stop != nil {
			x.dial.stop()
		}
		err = x.dial.dialError(err)
		x.dial = nil
	}
	if err == io.EOF && c.in.len() > 0 {
		// The peer closed in the middle of a frame: say so, rather than
		// drop the partial input without a word.
		err = conn.ErrUnexpectedEOF
	}
	st := &c.loop.stats.own
	st.Open--
	c.loop.live.Add(-1)
	if c.has(flagPaused) {
		st.Paused--
	}
	countClose(&st.Closed, err)
	c.hold(-c.held())
	c.loop.untrack(c)
	c.loop.checkDrained()
	c.in.release()
	var notes []note
	if o := c.out; o != nil {
		notes = o.notes
		o.notes = nil
		if !o.inSend {
			o.release()
			c.out = nil
			c.loop.putOutbound(o)
		}
		// Otherwise the kernel may still read the blocks: the queue keeps
		// them referenced, out of the free list, for as long as c lives;
		// an Advance after the send completes gives them back.
	}
	c.stopTimers()
	// Deferred, so that a completion that panics cannot keep the others,
	// or OnClose, from running: they run in order, OnClose last.
	defer h.OnClose(c.self, err)
	for i := len(notes) - 1; i >= 0; i-- {
		defer notes[i].done(c.self, conn.ErrClosed)
	}
}
