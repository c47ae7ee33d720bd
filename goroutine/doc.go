// Package goroutine is netloop's portable engine: one goroutine per
// connection on the standard library's net package, blocked in the Go
// runtime's own netpoller (epoll, kqueue or I/O completion ports) while the
// connection is idle. It runs wherever package net does, and it is what
// netloop's automatic choice takes on systems with neither io_uring nor
// epoll.
//
// It keeps the whole contract of package conn. Each connection is its own
// loop, built from the same kit as the other engines: its goroutine runs
// the callbacks one at a time, queues what they write, and flushes it after
// they return; AsyncWrite, Wake and Close from other goroutines are queued
// for it and interrupt its wait. Since a goroutine can block in only one
// place, a connection whose output the kernel will not take (a write came up
// short) waits for the socket to drain before it reads again. The
// back-pressure thus starts when the socket buffer fills, usually before the
// queue reaches Config.WriteHighWater, where the event loops start it; the
// bound on what a client can make the server hold is the same or tighter.
//
// Config.Loops does not apply: there is one listener, and every connection
// is a loop of its own. Server.Stats reports them as one loop, in which a
// connection waiting for the kernel to take its output counts as Paused.
// Waking a connection that sleeps (AsyncWrite, Wake or Close from another
// goroutine) costs one allocation: package net returns a fresh *net.OpError
// for the wait the past deadline interrupted. Requests to a connection that
// is awake, and its own traffic, allocate nothing.
//
// Config.MemoryBudget holds each connection to the whole budget (the kit's
// server-wide accounting is shared by a fixed set of loops, and here every
// connection is one); the total across connections is not enforced.
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
