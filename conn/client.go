package conn

import "context"

// Client is an engine that only dials: event loops of its own and no
// listener, for programs that mostly open outbound connections (a load
// generator, a cache client, a gateway's backend side). Its loops run from
// the moment it is made until Close or Shutdown; netloop.NewClient makes
// one with the engine Config.Engine selects. Every method may be called
// from any goroutine.
//
// A Client's loops have no server handler: each dial names its own, and so
// does a dial a handler makes from one of them (conn.Dial with c.Loop()).
// They run no loop hooks (LoopHandler, TickHandler); per-loop state is
// reached through a connection's Loop, as on a server's loops.
type Client interface {
	// Dial opens a connection to addr on one of the client's loops,
	// taken in turn, served by h, which must not be nil; see
	// Dialer.Dial for the networks, the errors OnClose reports and the
	// context. It returns ErrServerClosed once the client is closing.
	Dial(ctx context.Context, network, addr string, h Handler) error

	// Engine names the engine that runs the client; never EngineAuto.
	Engine() Engine

	// Stats returns a snapshot of the client's counters, per loop, as
	// Server.Stats does; Accepted stays zero.
	Stats() Stats

	// Shutdown waits until every connection has closed or ctx is done,
	// then closes what remains with ErrServerClosed and stops the loops,
	// as Close does. Handlers that are DrainHandlers get OnDrain for
	// their connections first. It returns nil when every connection
	// closed in time, ctx.Err() otherwise. Dials made meanwhile still
	// start.
	Shutdown(ctx context.Context) error

	// Close stops the loops at once: every connection, open or still
	// dialling, gets OnClose with ErrServerClosed, and Close returns once
	// every loop has stopped, with the error a loop failed with, if any.
	// Later calls return the same.
	Close() error
}
