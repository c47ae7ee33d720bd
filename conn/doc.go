// Package conn is the contract between a netloop handler and the engines that
// run it: the [Handler] a user writes, the [Conn] an engine hands to it, the
// [Config] that tunes a server, and the errors both sides report.
//
// The same handler runs unchanged on every engine: the epoll reactor
// (package reactor) and the io_uring proactor (package proactor), both
// Linux only, and the goroutine engine (package goroutine), one goroutine
// per connection on package net, which runs everywhere.
// This package holds only the contract; what engines share is kept out of
// the handler writer's sight, in netloop's internal engine kit.
//
// # Ordering
//
// For each connection the engine calls, on the connection's loop goroutine:
//
//	OnOpen  once, first;
//	OnData  zero or more times, each time with all input not yet consumed;
//	OnWake  (if the handler implements [WakeHandler]) once per accepted Wake;
//	OnDrain (if the handler implements [DrainHandler]) once, when a graceful
//	        shutdown begins (or just after OnOpen, if it has begun);
//	timers  set with [Conn.AfterFunc], each at most once, in the order due;
//	OnClose once, last, with the cause.
//
// No timer of a connection fires during or after its OnClose.
//
// For each loop, on the loop's goroutine:
//
//	OnLoopStart (if the handler implements [LoopHandler]) once, before the
//	            loop serves anything; every loop's OnLoopStart has returned
//	            before any loop serves a connection;
//	OnTick      (if the handler implements [TickHandler]) first right after,
//	            then after each interval it returns;
//	functions   given to [Loop.Post] and [Loop.AfterFunc], between the
//	            callbacks of connections;
//	OnLoopStop  once, after the last OnClose of the loop's connections;
//	            nothing else runs on the loop after it.
//
// Everything that runs on one loop runs on its goroutine, one callback at a
// time: callbacks of one connection never run concurrently, nor do those of
// connections on the same loop, so a handler needs no locks for
// per-connection state, nor for per-loop state it reaches only from that
// loop (a slice indexed by [Loop.Index]).
//
// Timers due at the same instant fire in the order they were set; a timer
// set by a timer fires at the next turn of the loop at the earliest. Timers
// are measured from a clock the loop reads at most once per turn, so one set
// late in a long turn may fire early by up to that turn's duration.
//
// Bytes written with [Conn.Write] during an iteration of the loop are sent
// in order, after the callbacks of that iteration return, with one system
// call (or one io_uring submission) per connection. Requests made with [Conn.AsyncWrite] from one goroutine are
// written in the order they were made, after whatever was written before
// the loop ran them.
//
// # Concurrency
//
// Each loop is one goroutine that owns its connections (in the goroutine
// engine, a set of connection goroutines that take turns under the loop's
// lock, which serialises them just the same). The proactor's loop is
// locked to its OS thread, as its ring requires; the reactor's is not.
// Both park in the Go runtime's poller once they have been idle for a
// moment, so that their P serves the process's other goroutines meanwhile.
// Write, Writev, SetDeadline, SetReadIdleTimeout,
// SetWriteStallTimeout, AfterFunc, Context and SetContext may be called only
// from that loop: inside a callback, an AsyncWrite completion, a timer or a
// posted function of the same loop. AsyncWrite, Wake, Close, Loop and
// [Loop.Post] are safe from any goroutine: they queue a request for the loop
// and wake it if it sleeps; a loop that is already awake takes the request
// without a system call. To work with a connection on another loop, post a
// function to that loop; to answer a connection from another loop, use
// AsyncWrite.
//
// AsyncWrite is bounded: past Config.AsyncWriteLimit bytes queued for a
// connection and not yet sent it fails at once with [ErrWouldBlock] rather
// than queue more, so back-pressure reaches the goroutine that writes. A
// loop carries out a bounded number of queued requests per iteration, so a
// backlog on one connection delays the others' I/O by one batch at most;
// at shutdown, requests still queued are not carried out, and their
// completions receive [ErrServerClosed].
//
// # Buffer lifetimes
//
// The in slice given to OnData is valid only during the call: it usually
// points into a buffer the loop reuses for the next connection. A handler
// that needs bytes later copies them, or simply does not consume them:
// whatever it leaves is kept by the connection and offered again, followed by
// the new bytes, in the next OnData (the contract of bufio.SplitFunc, so
// codecs plug in directly). Write copies its argument, so p may be reused as
// soon as Write returns. AsyncWrite does not copy on the caller's goroutine:
// p must stay unmodified until its done function runs. Idle connections hold
// no buffers.
//
// # Errors
//
// OnClose receives nil when our side closed the connection (Close), io.EOF
// when the peer closed it, [ErrUnexpectedEOF] (matching io.ErrUnexpectedEOF)
// when the peer closed it with input left unconsumed, a frame cut short,
// [ErrServerClosed] at shutdown, [os.ErrDeadlineExceeded] when a deadline
// passed (and [ErrReadIdle] or [ErrWriteStall], which match it, for those
// timeouts), [ErrInputTooLarge] when unconsumed input passed
// Config.MaxInput, [ErrMemoryBudget] when the server's connections together
// held more than Config.MemoryBudget and this one held the most, and
// otherwise the system call
// error (wrapped with os.NewSyscallError) that ended it. Methods of a closed
// connection return an error for which errors.Is(err, net.ErrClosed) holds.
// Engines return errors rather than log them; the Config's logger hears only
// of rare events such as accept failures or a recovered handler panic.
//
// # PROXY protocol
//
// Behind a load balancer, a server sees the balancer's address, not the
// client's. With [Config.ProxyProtocol] Require set, every engine expects
// each accepted connection to begin with a PROXY protocol header (version
// 1 or 2, as HAProxy's send-proxy and send-proxy-v2 write them) from a
// source in ProxyProtocol.Trusted, and reads it before the handler hears
// of the connection: OnOpen comes once the header is complete, RemoteAddr
// and LocalAddr then report the addresses the proxy saw (the real ones for
// a LOCAL header, which health checks send), and the first OnData starts
// with the byte after the header. A connection from an untrusted source,
// one whose header is malformed or missing, and one still without a header
// after ProxyProtocol.HeaderTimeout are closed without any callback at
// all; the Config's logger says why at debug level. The header itself, with
// its TLVs (ALPN, authority, unique ID, TLS facts), is returned by
// proxyproto.FromConn (package codec/proxyproto).
//
// # Outbound connections and Unix sockets
//
// A loop can dial ([Dial], [Dialer]): from a handler, conn.Dial(ctx,
// c.Loop(), "tcp", addr, h) opens a connection on the caller's own loop,
// so that a proxy's two sides never run at the same time and share state
// without locks; from ordinary code, netloop.Dial picks a server's loops
// in turn, and a program that only dials makes a [Client]
// (netloop.NewClient): loops of its own and no listener. The earlier of
// Config.DialTimeout and the context's deadline bounds a dial, with a
// timer of the loop. A dialled connection follows the ordering above with
// its own handler h, and the PROXY protocol never applies to it. A dial
// that fails (refused, unreachable, timed out, cancelled, a name that
// does not resolve) gets OnClose without OnOpen. Names are resolved on a
// goroutine, never on the loop. Statistics count dials in
// LoopStats.Dialed.
//
// Servers listen on Unix sockets when given "unix:PATH" (or "unix:@NAME",
// a Linux abstract name) instead of "host:port"; the addresses are then
// *net.UnixAddr. A socket file left by a crashed run is replaced (only
// when connecting to it is refused); one that another process serves makes
// Listen fail with EADDRINUSE; the file is removed when Serve returns.
// Every loop watches the one listening socket (there is no SO_REUSEPORT
// for Unix sockets), and the loop that accepts a connection hands it to the
// loop serving the fewest, so connections spread over the loops as TCP's
// do.
//
// A proxy paces one side by the other with [FlowController] (pause and
// resume reading, unsent bytes, a drain notification, CloseWrite), and
// passes half-closes through with [HalfCloseHandler]. See examples/proxy.
//
// # Graceful shutdown and restarts
//
// Cancelling Serve's context stops a server at once: every connection gets
// OnClose with [ErrServerClosed]. A server that is a [Shutdowner] (the
// reactor's and the proactor's are) also drains: Shutdown closes the
// listening sockets of every loop at once, tells each connection's
// [DrainHandler] so that it can finish what it is doing (an HTTP server
// closes idle keep-alive connections and answers the request in progress
// with "Connection: close"), waits until the connections have closed or
// its context is done, then closes the rest with ErrServerClosed. The
// engine logs the drain's start and end at info level, with counts.
//
// A server that is a [ListenerFiler] hands its listening sockets (one
// per loop, for SO_REUSEPORT) to another process, and a process started
// with inherited sockets, from systemd socket activation (LISTEN_FDS,
// LISTEN_PID, LISTEN_FDNAMES) or from such a handover (NETLOOP_LISTEN_FDS),
// serves them when it listens on their address instead of binding anew:
// so a self-upgrade loses nothing in the sockets' accept queues, which
// closing an SO_REUSEPORT listener would reset. The example commands
// (examples/internal/cmd) put the two together: SIGTERM drains, SIGHUP
// re-executes the binary with the sockets and drains once the new process
// serves.
//
// # Engines
//
// An engine implements [Server] and hands each connection to the handler as
// a [Conn] that keeps every promise above; the conformance suite in package
// conntest checks that it does. Engines are chosen with [Config.Engine].
package conn
