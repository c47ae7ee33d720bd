package conn

import (
	"fmt"
	"net/netip"
	"runtime"
	"time"

	"go.uber.org/zap"
)

// Engine selects how a server waits for I/O.
type Engine string

const (
	// EngineAuto uses io_uring when the kernel allows it, else epoll,
	// else (on systems with neither) the goroutine engine. It is the zero
	// value.
	EngineAuto Engine = ""
	// EngineReactor is the epoll event loop (package reactor), Linux only.
	EngineReactor Engine = "reactor"
	// EngineProactor is the io_uring completion loop (package proactor),
	// Linux only.
	EngineProactor Engine = "proactor"
	// EngineGoroutine is one goroutine per connection on package net
	// (package goroutine); it runs on every system Go supports.
	EngineGoroutine Engine = "goroutine"
)

// Config tunes a server. Its zero value works: every zero field takes the
// default given in its comment.
type Config struct {
	// Engine chooses the engine; read by netloop.Listen, ignored by the
	// engines themselves.
	Engine Engine

	// Loops is the number of event loops, each on its own OS thread with
	// its own listening socket (SO_REUSEPORT). Default: GOMAXPROCS. In
	// the goroutine engine a loop is a goroutine and a lock that the
	// goroutines of its connections take in turns, behind one listener.
	Loops int

	// ReadBufferSize is the size of each loop's read buffer, the most a
	// single read hands to OnData. Default: 64 KiB. The proactor receives
	// into provided buffers of at most 16 KiB each (the kernel holds 512
	// of them per loop), so there it is capped at 16 KiB.
	ReadBufferSize int

	// WriteHighWater bounds a connection's unsent output: past it the loop
	// stops reading from the connection until the peer has drained it to
	// half. Default: 1 MiB.
	WriteHighWater int

	// AsyncWriteLimit bounds what other goroutines may queue for one
	// connection with AsyncWrite: the bytes of requests the loop has not yet
	// carried out (each counted with a small overhead, so empty writes are
	// bounded too) plus the connection's output the loop has not yet handed
	// to the kernel. An AsyncWrite that would pass it fails at once with
	// ErrWouldBlock; one larger than the limit is accepted only when
	// nothing is queued. Default: twice WriteHighWater, so that a reader
	// paused at the mark still has room for one mark of notifications.
	AsyncWriteLimit int

	// MaxInput bounds the input a handler may leave unconsumed; past it the
	// connection closes with ErrInputTooLarge. Default: 4 MiB.
	//
	// It is a last line of defence, not a protocol limit: the connection
	// closes at once and the client gets no reply. A protocol whose frames
	// may be large (a 5 MB value in a key-value store) needs MaxInput above
	// its largest frame, and should reject an oversized frame itself, from
	// its length prefix or header, before MaxInput is reached: the framing
	// codecs in package codec take a maximum frame size for that and
	// return an error the handler can answer.
	MaxInput int

	// MemoryBudget bounds the bytes all connections of a server hold
	// together: output queued and not yet sent, and input left
	// unconsumed. Past three quarters of it the loops stop reading from
	// the connections holding the most, until the total falls well below;
	// past it the connection holding the most is closed with
	// ErrMemoryBudget. Totals are updated once per loop iteration, so the
	// budget is enforced within an iteration's worth of bytes. Default:
	// DefaultMemoryBudget, a fixed 1 GiB rather than a share of the
	// machine's memory, which in a container says little about what the
	// process may use; negative: no budget.
	MemoryBudget int

	// DialTimeout bounds each outbound connection (Dialer.Dial,
	// Client.Dial) from the call until it is connected, name resolution
	// included: past it the dial fails with os.ErrDeadlineExceeded, as
	// when the dial's context has an earlier deadline, which then wins.
	// It is a timer of the loop, firing to within about a millisecond, so
	// a dial to an address (not a name, whose resolution runs on a
	// goroutine with a context) costs no runtime timer. Default: none
	// beyond the context's; a connect to a host that drops SYNs then ends
	// only when the kernel gives up retrying, after about 130 seconds.
	DialTimeout time.Duration

	// Nagle leaves Nagle's algorithm on. By default TCP_NODELAY is set, as
	// the net package does.
	Nagle bool

	// KeepAlive is the TCP keep-alive period. Zero means 15 seconds, as in
	// the net package; negative disables keep-alive.
	KeepAlive time.Duration

	// ReusePort lets other sockets listen on the same address while this
	// server does (SO_REUSEPORT across processes): the kernel then splits
	// new connections between all of them, so a second server started by
	// mistake silently takes a share of the clients. Set it only to run
	// several processes on one port on purpose. By default Listen fails
	// with EADDRINUSE when any other socket holds the address, as
	// net.Listen does; the server's own loops share it either way.
	ReusePort bool

	// BatchScheduling runs each loop's thread under SCHED_BATCH (Linux;
	// the reactor and proactor). The one thing that changes is that a
	// loop waking up no longer preempts the thread running on its CPU: it
	// runs when that thread blocks or has used its slice. That pays where
	// the proactor's loops, each locked to its thread, share CPUs with
	// peers that block often (a proxy's backends or a sidecar's
	// application on the same host, a load generator): each wake-up there
	// would otherwise cost two context switches and cut the peer's burst
	// of writes short. With two loops sharing two CPUs with wrk it raised
	// the proactor's throughput 1.24× and cut its CPU per request by a
	// quarter (median of five runs, bench/scripts/batch.sh). The reactor,
	// whose idle loops park in the Go runtime's poller and can share a
	// thread, gained nothing there: the option locks each of its loops to
	// a thread to set the policy. It costs where a loop shares its CPU
	// with a thread that computes: behind one that never blocks, each
	// wake-up may wait for the rest of that thread's scheduler slice
	// (about a millisecond), which in the same script cut an echo
	// server's throughput to 0.61× on the proactor and 0.42× on the
	// reactor. Off by default. A thread the process already runs under
	// another policy (chrt) is left as it is.
	BatchScheduling bool

	// ProxyProtocol makes every accepted connection start with a PROXY
	// protocol header, for servers behind a load balancer. Off by default.
	ProxyProtocol ProxyProtocol

	// Logger hears of rare events: accept failures, recovered panics (with
	// their stack), an engine falling back. Nil means warnings and errors
	// go to standard error, as net/http's ErrorLog does; zap.NewNop()
	// silences them.
	Logger *zap.Logger
}

// ProxyProtocol configures the PROXY protocol (HAProxy's, versions 1 and
// 2), with which a proxy in front of the server tells it the addresses of
// the client it relays. See "PROXY protocol" in the package documentation.
type ProxyProtocol struct {
	// Require turns the protocol on: each connection must begin with a
	// version 1 or 2 header, sent by a trusted proxy, within
	// HeaderTimeout, or it is closed before the handler hears of it.
	// There is no optional mode, since telling a header from the first
	// bytes of a stream without one would be a guess.
	Require bool

	// Trusted are the source prefixes proxies may connect from; a
	// connection from any other address is closed at once, unread.
	// Default (nil): 127.0.0.0/8 and ::1/128. An empty non-nil slice
	// trusts no one.
	Trusted []netip.Prefix

	// HeaderTimeout bounds the wait for the header. Default: 5 seconds.
	HeaderTimeout time.Duration
}

// Defaults for the zero fields of Config.
const (
	DefaultReadBufferSize = 64 << 10
	DefaultWriteHighWater = 1 << 20
	DefaultMaxInput       = 4 << 20
	DefaultKeepAlive      = 15 * time.Second
	DefaultMemoryBudget   = 1 << 30

	DefaultProxyHeaderTimeout = 5 * time.Second
)

// DefaultProxyTrusted returns the default of ProxyProtocol.Trusted: the
// loopback prefixes 127.0.0.0/8 and ::1/128.
func DefaultProxyTrusted() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

// WithDefaults returns c with every zero field replaced by its default.
func (c Config) WithDefaults() Config {
	if c.Loops <= 0 {
		c.Loops = runtime.GOMAXPROCS(0)
	}
	if c.ReadBufferSize <= 0 {
		c.ReadBufferSize = DefaultReadBufferSize
	}
	if c.WriteHighWater <= 0 {
		c.WriteHighWater = DefaultWriteHighWater
	}
	if c.AsyncWriteLimit <= 0 {
		c.AsyncWriteLimit = 2 * c.WriteHighWater
	}
	if c.MaxInput <= 0 {
		c.MaxInput = DefaultMaxInput
	}
	if c.MemoryBudget == 0 {
		c.MemoryBudget = DefaultMemoryBudget
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.ProxyProtocol.Require {
		if c.ProxyProtocol.Trusted == nil {
			c.ProxyProtocol.Trusted = DefaultProxyTrusted()
		}
		if c.ProxyProtocol.HeaderTimeout <= 0 {
			c.ProxyProtocol.HeaderTimeout = DefaultProxyHeaderTimeout
		}
	}
	if c.Logger == nil {
		c.Logger = stderrLogger()
	}
	return c
}

// String returns the engine's name; the zero value is "auto".
func (e Engine) String() string {
	if e == EngineAuto {
		return "auto"
	}
	return string(e)
}

// Set parses "reactor", "proactor", "goroutine" or "auto", so that an
// *Engine can be a command-line flag (flag.Var).
func (e *Engine) Set(s string) error {
	switch v := Engine(s); v {
	case EngineReactor, EngineProactor, EngineGoroutine:
		*e = v
	case "auto", "":
		*e = EngineAuto
	default:
		return fmt.Errorf("unknown engine %q (want reactor, proactor, goroutine or auto)", s)
	}
	return nil
}
