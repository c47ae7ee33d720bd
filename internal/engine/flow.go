package engine

import (
	"io"

	"github.com/netloop/netloop/conn"
)

var _ conn.FlowController = (*Core)(nil)

// PauseReading implements conn.FlowController. The engine sees it through
// OverHighWater and Paused, which already stop its reading.
func (c *Core) PauseReading() { c.set(flagUserPaused) }

// ResumeReading implements conn.FlowController: the connection is marked
// dirty, so the engine's flush asks OverHighWater again and reads.
func (c *Core) ResumeReading() {
	if c.has(flagUserPaused) {
		c.unset(flagUserPaused)
		if !c.closed() {
			c.loop.MarkDirty(c)
		}
	}
}

// Unsent implements conn.FlowController.
func (c *Core) Unsent() int { return c.out.len() }

// OnDrained implements conn.FlowController, with the notes AsyncWrite's
// completions use: f runs from Advance once the output queued so far is
// out.
func (c *Core) OnDrained(f func(conn.Conn)) {
	if c.closed() {
		return
	}
	if c.out.len() == 0 {
		f(c.self)
		return
	}
	c.out.notes = append(c.out.notes, note{end: c.out.queued, done: func(cc conn.Conn, err error) {
		if err == nil {
			f(cc)
		}
	}})
}

// CloseWrite implements conn.FlowController; the engine's flush sends the
// FIN once WantShutdown says so.
func (c *Core) CloseWrite() {
	if !c.has(flagShutWrite) && !c.closed() {
		c.set(flagShutWrite)
		c.loop.MarkDirty(c)
	}
}

// WantShutdown reports whether the engine should shut down the write side
// of c's socket now: CloseWrite was called and all output is out. The
// engine then calls ShutdownDone.
func (c *Core) WantShutdown() bool {
	return c.flags&(flagShutWrite|flagWroteFIN) == flagShutWrite && c.out.len() == 0
}

// ShutdownDone records that the engine sent the FIN.
func (c *Core) ShutdownDone() { c.set(flagWroteFIN) }

// PeerEOF is what the engine calls when the peer has shut down its side
// (a read of 0 bytes). For a conn.HalfCloseHandler the connection stays
// open for writing and the handler hears of it; otherwise it starts to
// close with io.EOF, after the output it is owed. Loop only.
func (c *Core) PeerEOF(h conn.Handler) {
	h = c.handler(h)
	if hh, ok := h.(conn.HalfCloseHandler); ok && !c.closeAsked() && !c.has(flagClosing) {
		if !c.has(flagEOF) {
			c.set(flagEOF)
			hh.OnPeerClosedWrite(c.self)
		}
		return
	}
	c.StartClose(io.EOF)
}
