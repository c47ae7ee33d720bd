// Package goroutine is netloop's portable engine: one goroutine per
// connection on the standard library's net package, blocked in the Go
// runtime's own netpoller (epoll, kqueue or I/O completion ports) while the
// connection is idle. It runs wherever package net does, and it is what
// netloop's automatic choice takes on systems with neither io_uring nor
// epoll.
//
// It keeps the whole contract of package conn, built from the same kit as
// the other engines. The server has Config.Loops loops (GOMAXPROCS by
// default), and each connection is given to one of them, round-robin, when
// it is accepted. A loop here is a mutex and the goroutines that take it in
// turns: the loop's own, which sleeps until a request from another
// goroutine (AsyncWrite, Wake, Close, Post), its next timer or tick, and
// runs them; and one per connection, which blocks in the kernel without
// the mutex and takes it to run the connection's callbacks and flush what
// they wrote. So, as on an event loop's thread, all callbacks of a loop's
// connections run one at a time, and per-loop state indexed by
// Loop.Index needs no lock.
//
// Since a goroutine can block in only one place, a connection whose output
// the kernel will not take (a write came up short) waits for the socket
// to drain before it reads again. The back-pressure thus starts when the
// socket buffer fills, usually before the queue reaches
// Config.WriteHighWater, where the event loops start it; the bound on what
// a client can make the server hold is the same or tighter. Server.Stats
// counts such a connection as Paused. Requests to an idle connection cost
// its goroutine nothing: the loop's goroutine carries them out and writes
// without blocking, and interrupts the connection's read (with a deadline
// in the past, which costs package net one allocation) only when output is
// left for it to wait on.
//
// Config.MemoryBudget holds each connection to the whole budget (the kit's
// server-wide accounting pauses and scans connections from loops that own
// their sockets); the total across connections is not enforced.
//
// # Dialling, Unix sockets, draining and half-closes
//
// Server.Dial runs net.Dialer on a goroutine of its own, which becomes the
// connection's once it connects; the dial's context and the server's
// shutdown cancel it. Listen takes "unix:PATH" (and, on Linux,
// "unix:@NAME") as well as TCP addresses, and on Linux a listener handed
// over by the previous process (conn.ListenerFiler) in place of a new one.
// Server.Shutdown stops the one acceptor the loops share, after it has
// taken the connections the kernel had queued (on Linux), and drains the
// rest as the other engines do. A connection whose reading is paused
// (conn.FlowController, or the peer's FIN to a conn.HalfCloseHandler) and
// that has nothing to write waits on a channel of its own, which a flush
// of the connection or its close wakes.
//
// # Waiting without a buffer
//
// On Unix an idle connection holds no read buffer: it waits for
// readability through syscall.RawConn, and only a read that finds bytes
// borrows a buffer from a pool, handing it back as soon as the socket is
// drained. On Windows package net offers no non-blocking read or write, so
// there a connection blocks in Read with a pooled buffer in hand, and its
// output goes out with a blocking Write in place of the wait, interrupted
// the same way; output still pending at shutdown is dropped rather than
// flushed. (CI runs the conformance suite over this path on Linux too,
// with the build tag netloop_blockingio.)
package goroutine
