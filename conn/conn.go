package conn

import (
	"context"
	"github.com/valyala/bytebufferpool"
	"net"
	"os"
	"time"
)

// Conn is one TCP connection as a handler sees it. Each method's comment says
// which goroutine may call it: "loop only" means on the connection's loop
// (inside a callback, an AsyncWrite completion, a timer or a function posted
// to that loop), never from another goroutine.
type Conn interface {
	// Write queues a copy of p to be sent after the current callbacks
	// return. It does not block and always queues all of p unless the
	// connection is closed. Loop only.
	Write(p []byte) (int, error)

	// Writev queues copies of bufs, in order, as one write. Loop only.
	Writev(bufs [][]byte) (int, error)

	// SetDeadline makes the connection close with os.ErrDeadlineExceeded
	// if it is still open at t. A zero t removes the deadline. It is a
	// timer of the connection's loop (see AfterFunc), so it fires to
	// within about a millisecond. Loop only.
	SetDeadline(t time.Time) error

	// SetReadIdleTimeout makes the connection close with [ErrReadIdle]
	// once no input has arrived for d. The clock restarts with every read
	// and with the call itself; time spent not reading because of the
	// write high-water mark does not count. Zero or less removes it.
	// Loop only.
	SetReadIdleTimeout(d time.Duration) error

	// SetWriteStallTimeout makes the connection close with [ErrWriteStall]
	// once output has been waiting for d without the peer taking any of
	// it: the clock runs only while there is unsent output, and restarts
	// whenever some is sent. Zero or less removes it. Loop only.
	SetWriteStallTimeout(d time.Duration) error

	// AfterFunc arranges for f to run on the connection's loop, with the
	// connection, once d has passed, unless the returned Timer is stopped
	// first. Timers of a connection never fire after its OnClose (nor
	// during it), and those set to fire at the same instant fire in the
	// order they were set. Loop only, and so is the Timer.
	AfterFunc(d time.Duration, f func(c Conn)) Timer

	// Loop returns the loop the connection belongs to, for the whole life
	// of the connection. It may be called from any goroutine.
	Loop() Loop

	// LocalAddr returns the local address of the connection.
	LocalAddr() net.Addr

	// RemoteAddr returns the address of the peer.
	RemoteAddr() net.Addr

	// Context returns the value last stored with SetContext. Loop only.
	Context() any

	// SetContext stores a value for the handler, typically its
	// per-connection state. Loop only.
	SetContext(v any)

	// AsyncWrite queues p to be written by the loop. It may be called from
	// any goroutine. Requests from one goroutine are written in order. p is
	// not copied here: it must stay unmodified until done runs. done, if not
	// nil, runs on the loop once p has been handed to the kernel in full, or
	// with an error if the connection closed first (ErrServerClosed when the
	// server shut down before the loop ran the request). If AsyncWrite
	// itself returns an error, done is never called.
	//
	// AsyncWrite never blocks. When what is already queued for the
	// connection, with its unsent output, would pass Config.AsyncWriteLimit,
	// it returns ErrWouldBlock at once and queues nothing: a peer that does
	// not read cannot make the server hold unbounded memory, nor its loop
	// run an unbounded backlog. A caller that must not lose the write
	// retries after an earlier done has run, or closes the connection.
	AsyncWrite(p []byte, done func(c Conn, err error)) error

	// AsyncWriteBuffer is AsyncWrite for a reply built in a pooled buffer
	// off the loop: it queues b's bytes and hands b back to
	// bytebufferpool's default pool once the loop has taken them (or the
	// connection has closed), so a worker that formats replies with
	// bytebufferpool.Get allocates nothing per reply in steady state. The
	// caller must not touch b after a nil return; after an error (as
	// AsyncWrite's) b is still the caller's. It may be called from any
	// goroutine.
	AsyncWriteBuffer(b *bytebufferpool.ByteBuffer) error

	// Wake asks the loop to call OnWake (see WakeHandler) for this
	// connection. It may be called from any goroutine.
	Wake() error

	// Close closes the connection once everything written before it has
	// been sent; OnClose then receives nil. From the call on, OnData is
	// not called again: input still arriving is discarded. It may be
	// called from any goroutine, and more than once.
	Close() error
}

// Loop is an event loop of a server, as handlers see it: a place to keep
// state shared by the connections of one loop without locks
// (shared-nothing designs index a slice with Index), and a way to run code
// there from elsewhere. Each method's comment says which goroutine may
// call it; "loop only" means on this loop's goroutine: in a callback for
// one of its connections, a function given to Post or AfterFunc, or a
// LoopHandler or TickHandler callback for it.
type Loop interface {
	// Index is the loop's number, from 0 to Count()-1; it never changes.
	// Any goroutine.
	Index() int

	// Count is how many loops the server runs. Any goroutine.
	Count() int

	// Post queues f to run on the loop, after the callbacks already
	// running there return. Functions posted from one goroutine run in
	// the order they were posted. It may be called from any goroutine,
	// the loop's own included; it fails with ErrServerClosed once the
	// loop is stopping, and then f never runs. Functions still queued
	// when the loop stops do not run either (as queued AsyncWrites are
	// not carried out then).
	Post(f func()) error

	// AfterFunc arranges for f to run on the loop once d has passed,
	// unless the returned Timer is stopped first. Timers that are still
	// pending when the loop stops never fire. Loop only.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call made by Conn.AfterFunc or Loop.AfterFunc. Its
// methods are loop only.
type Timer interface {
	// Stop prevents the timer from firing. It returns true if that
	// stopped it, false if it had already fired or been stopped.
	Stop() bool

	// Reset makes the timer fire d from now instead, whether or not it is
	// pending, and reports whether it was. A timer of a connection that
	// has closed stays stopped and Reset returns false.
	Reset(d time.Duration) bool
}

// Server is a listening engine, returned by an engine's Listen function.
type Server interface {
	// Addr is the address the server listens on, with the port the kernel
	// chose if the requested port was 0.
	Addr() net.Addr

	// Engine names the engine that runs the server; never EngineAuto.
	Engine() Engine

	// Stats returns a snapshot of the server's counters, per loop. It may
	// be called from any goroutine, before, during and after Serve, and
	// costs the loops nothing: each publishes its counters once per
	// iteration.
	Stats() Stats

	// Serve runs the loops with h until ctx is cancelled, then closes every
	// connection (each gets OnClose with ErrServerClosed) and returns nil
	// once all loops have stopped. It may be called only once.
	Serve(ctx context.Context, h Handler) error
}

// Shutdowner is implemented by servers that can shut down gracefully, as
// the reactor's and the proactor's do. Shutdown stops accepting on every
// loop at once (the listening sockets are closed, so new connections are
// refused unless another process holds them too, as after a handover),
// calls OnDrain for each open connection whose handler is a DrainHandler,
// and waits until every connection has closed or ctx is done. Then it
// closes what remains with ErrServerClosed, as a cancellation of Serve's
// context does, and returns once Serve has returned: nil when every
// connection closed in time, ctx.Err() otherwise. Cancelling Serve's
// context stays the hard stop, and ends a Shutdown in progress too.
// Shutdown may be called from any goroutine; called before Serve, it
// makes Serve return at once without opening a connection: those the
// kernel queued meanwhile end when the listener closes.
type Shutdowner interface {
	Shutdown(ctx context.Context) error
}

// ListenerFiler is implemented by servers that can hand their listening
// sockets to another process, as the reactor's and the proactor's do:
// ListenerFiles returns a duplicate of each (one per loop, since each
// loop has its own SO_REUSEPORT socket), which the caller passes on (as
// exec.Cmd.ExtraFiles, say) and closes. A process started with them
// serves the same sockets instead of binding new ones (see
// netloop.EnvListenFDs), so nothing in their accept queues is lost:
// closing an SO_REUSEPORT listener would reset those connections. It
// fails once the server has stopped accepting.
type ListenerFiler interface {
	ListenerFiles() ([]*os.File, error)
}
