package conn

import (
	"fmt"
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
	// its own listening socket (SO_REUSEPORT). Default: GOMAXPROCS. The
	// goroutine engine ignores it: each of its connections is a loop.
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

	// MaxInput bounds the input a handler may leave unconsumed; past it the
	// connection closes with ErrInputTooLarge. Default: 4 MiB.
	MaxInput int

	// Nagle leaves Nagle's algorithm on. By default TCP_NODELAY is set, as
	// the net package does.
	Nagle bool

	// KeepAlive is the TCP keep-alive period. Zero means 15 seconds, as in
	// the net package; negative disables keep-alive.
	KeepAlive time.Duration

	// Logger hears of rare events: accept failures, recovered panics, an
	// engine falling back. Nil is silent.
	Logger *zap.Logger
}

// Defaults for the zero fields of Config.
const (
	DefaultReadBufferSize = 64 << 10
	DefaultWriteHighWater = 1 << 20
	DefaultMaxInput       = 4 << 20
	DefaultKeepAlive      = 15 * time.Second
)

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
	if c.MaxInput <= 0 {
		c.MaxInput = DefaultMaxInput
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
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
