package engine

import "github.com/netloop/netloop/conn"

var _ conn.FlowController = (*Core)(nil)

// PauseReading implements conn.FlowController. The engine sees it through
// OverHighWater and Paused, which already stop its reading.
func (c *Core) PauseReading() { c.userPaused = true }

// ResumeReading implements conn.FlowController: the connection is marked
// dirty, so the engine's flush asks OverHighWater again and reads.
func (c *Core) ResumeReading() {
	if c.userPaused {
		c.userPaused = false
		if !c.closed.Load() {
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
	if c.closed.Load() {
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
