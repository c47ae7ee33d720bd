package conn

import "time"

// Handler is what a user writes: the callbacks an engine makes for each
// connection, always on the connection's loop goroutine (see Ordering in the
// package documentation).
type Handler interface {
	// OnOpen is called once for each new connection, before anything else.
	// It may Write a greeting or Close the connection.
	OnOpen(c Conn)

	// OnData is called with all input not yet consumed: bytes left over from
	// earlier calls followed by the bytes just received. It returns how many
	// bytes of in it consumed; the rest is offered again with the next input.
	// in is valid only during the call. Returning a count below zero or above
	// len(in) closes the connection with ErrBadConsume.
	OnData(c Conn, in []byte) (consumed int)

	// OnClose is called exactly once for each connection that was opened,
	// after which the engine forgets it. err says why the connection ended
	// (nil: our side closed it). A dialled connection (Dialer) gets it too
	// when the dial fails, without OnOpen: err is then a *net.OpError with
	// Op "dial".
	OnClose(c Conn, err error)
}

// WakeHandler is implemented by handlers that want to run code on a
// connection's loop at the request of another goroutine: each successful
// Conn.Wake leads to one OnWake call. Typical use: a worker stores a result
// somewhere the handler can see, then wakes the connection so the handler
// writes it out.
type WakeHandler interface {
	OnWake(c Conn)
}

// LoopHandler is implemented by handlers that keep state per loop. Each
// loop calls OnLoopStart once on its own goroutine before it serves any
// connection, and every loop's OnLoopStart has returned before any loop
// serves one, so a handler may gather the loops it is given (into a slice
// indexed by Loop.Index) and use them from any connection afterwards
// without further synchronisation. OnLoopStop is called once on the same
// goroutine after the loop's last OnClose; the loop no longer runs timers
// or posted functions then.
type LoopHandler interface {
	OnLoopStart(l Loop)
	OnLoopStop(l Loop)
}

// TickHandler is implemented by handlers that want a periodic call on each
// loop, for housekeeping such as expiring cached entries. OnTick is called
// on the loop once it has started (after every OnLoopStart), then again
// after each interval it returns; an interval of zero or less stops the
// ticks of that loop.
type TickHandler interface {
	OnTick(l Loop) (next time.Duration)
}

// HandlerFuncs adapts plain functions to a Handler. A nil field is a
// callback that does nothing (OnData then consumes everything).
type HandlerFuncs struct {
	Open  func(c Conn)
	Data  func(c Conn, in []byte) int
	Close func(c Conn, err error)
}

// OnOpen calls f.Open if it is set.
func (f HandlerFuncs) OnOpen(c Conn) {
	if f.Open != nil {
		f.Open(c)
	}
}

// OnData calls f.Data if it is set, and otherwise consumes all of in.
func (f HandlerFuncs) OnData(c Conn, in []byte) int {
	if f.Data != nil {
		return f.Data(c, in)
	}
	return len(in)
}

// OnClose calls f.Close if it is set.
func (f HandlerFuncs) OnClose(c Conn, err error) {
	if f.Close != nil {
		f.Close(c, err)
	}
}
