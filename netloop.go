// Package netloop is an asynchronous TCP server framework: a handler written
// once against package conn runs on an io_uring proactor or an epoll
// reactor, one event loop per core, or on the portable goroutine engine,
// one goroutine per connection, chosen by Config.Engine.
//
// A handler that echoes everything back:
//
//	type echo struct{}
//
//	func (echo) OnOpen(c conn.Conn)                  {}
//	func (echo) OnData(c conn.Conn, in []byte) int   { c.Write(in); return len(in) }
//	func (echo) OnClose(c conn.Conn, err error)      {}
//
//	err := netloop.Serve(ctx, "127.0.0.1:9000", echo{}, netloop.Config{})
//
// The contract between handlers and engines — ordering, which goroutine may
// call what, how long buffers live, which errors mean what — is documented
// in package conn.
//
// # Engines
//
// The reactor and the proactor are Linux only; elsewhere their Listen
// returns an error matching conn.ErrUnsupported. The goroutine engine runs
// wherever package net does, so a program that imports netloop builds and
// serves on macOS, Windows and the BSDs too, and moves to the event loops
// unchanged when deployed on Linux.
package netloop

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/goroutine"
	"github.com/netloop/netloop/proactor"
	"github.com/netloop/netloop/reactor"
)

// Config tunes a server; its zero value works. See conn.Config.
type Config = conn.Config

// Server is a listening server; see conn.Server.
type Server = conn.Server

// Engine selects how a server waits for I/O: Config.Engine. It is a
// flag.Value, so a command can take it as a flag.
type Engine = conn.Engine

// The engines, as in package conn, so that choosing one needs no second
// import. Server.Engine reports the one that runs.
const (
	EngineAuto      = conn.EngineAuto      // the best this system allows: see Listen
	EngineReactor   = conn.EngineReactor   // epoll readiness (package reactor)
	EngineProactor  = conn.EngineProactor  // io_uring completion (package proactor)
	EngineGoroutine = conn.EngineGoroutine // a goroutine per connection (package goroutine)
)

// Listen opens a server on addr with the engine cfg.Engine selects. Call
// Serve on the result to run it. addr is a TCP "host:port", or
// "unix:PATH" (or "unix:@NAME", a Linux abstract name) for a Unix socket:
// a socket file left by a crashed run is replaced, one another process
// serves is EADDRINUSE, and the file is removed when Serve returns.
//
// EngineAuto takes the io_uring proactor when this kernel allows it (not
// disabled by sysctl or seccomp, every operation it needs present, its
// multishot receive self-test passed), else the epoll reactor on Linux,
// else the goroutine engine, logging the choice and the reason once per
// process. EngineProactor where io_uring is unavailable, or EngineReactor
// off Linux, returns an error matching conn.ErrUnsupported.
func Listen(addr string, cfg Config) (Server, error) {
	switch engineFor(cfg) {
	case conn.EngineReactor:
		return server(reactor.Listen(addr, cfg))
	case conn.EngineProactor:
		return server(proactor.Listen(addr, cfg))
	case conn.EngineGoroutine:
		return server(goroutine.Listen(addr, cfg))
	default:
		return nil, fmt.Errorf("netloop: unknown engine %q", cfg.Engine)
	}
}

// server converts an engine's Listen result, so that a failure returns a
// nil Server rather than a non-nil interface holding a nil pointer.
func server[S Server](s S, err error) (Server, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Chosen returns the engine that Listen uses for e on this system.
func Chosen(e conn.Engine) conn.Engine {
	if e == conn.EngineAuto {
		e, _ = choose()
	}
	return e
}

// haveEpoll: every Linux that Go supports has epoll, and no other system
// does.
const haveEpoll = runtime.GOOS == "linux"

// choose is the automatic choice, with why io_uring was passed over (nil
// when it was not).
func choose() (conn.Engine, error) {
	err := proactor.Available()
	switch {
	case err == nil:
		return conn.EngineProactor, nil
	case haveEpoll:
		return conn.EngineReactor, err
	default:
		return conn.EngineGoroutine, err
	}
}

var fallbackOnce sync.Once

// logFallback says once per process that auto did not get io_uring, and
// what it took instead: a warning on Linux, where the reactor stands in
// for an io_uring that was expected; information elsewhere, where the
// goroutine engine is the only choice.
func logFallback(log *zap.Logger, e conn.Engine, why error) {
	if why == nil {
		return // the proactor: LoopServer.Serve names it
	}
	if log == nil {
		log = Config{}.WithDefaults().Logger // standard error
	}
	fallbackOnce.Do(func() {
		if e == conn.EngineReactor {
			log.Warn("netloop: io_uring unavailable, using the epoll reactor", zap.Error(why))
			return
		}
		log.Info("netloop: neither io_uring nor epoll here, using the goroutine engine",
			zap.String("os", runtime.GOOS), zap.Error(why))
	})
}

// Serve listens on addr and serves h until ctx is cancelled; then every open
// connection is closed (OnClose gets conn.ErrServerClosed) and Serve
// returns nil.
func Serve(ctx context.Context, addr string, h conn.Handler, cfg Config) error {
	s, err := Listen(addr, cfg)
	if err != nil {
		return err
	}
	return s.Serve(ctx, h)
}

// Client is an engine that only dials; see conn.Client and NewClient.
type Client = conn.Client

// NewClient starts an engine with loops of its own and no listener, for
// programs that mostly dial: cfg.Loops loops (default GOMAXPROCS) of the
// engine cfg.Engine selects, chosen as Listen chooses (EngineAuto takes
// io_uring when the kernel allows it, else epoll, else the goroutine
// engine). Client.Dial spreads connections over the loops in turn; a
// handler that dials from one of its connections (conn.Dial with
// c.Loop()) keeps the new one on that loop. Close stops the client,
// Shutdown stops it once its connections have closed. Config.DialTimeout
// bounds every dial; the listening fields of cfg (ReusePort,
// ProxyProtocol) do not apply.
func NewClient(cfg Config) (Client, error) {
	switch engineFor(cfg) {
	case conn.EngineReactor:
		return reactor.NewClient(cfg)
	case conn.EngineProactor:
		return proactor.NewClient(cfg)
	case conn.EngineGoroutine:
		return goroutine.NewClient(cfg)
	default:
		return nil, fmt.Errorf("netloop: unknown engine %q", cfg.Engine)
	}
}

// engineFor is the engine cfg.Engine names, or for EngineAuto the one
// choose picks, logged with the reason for any fallback.
func engineFor(cfg Config) conn.Engine {
	e := cfg.Engine
	if e == conn.EngineAuto {
		var why error
		e, why = choose()
		logFallback(cfg.Logger, e, why)
	}
	return e
}

// Dial opens an outbound connection from ordinary code on one of s's loops
// (taken in turn), served by h: OnOpen once connected, OnClose exactly once
// with the cause. See conn.Dialer for the networks, the errors and the
// context. Handlers dial with conn.Dial(ctx, c.Loop(), ...) instead, so
// that the new connection shares their loop. A program that only dials
// needs no Server: see NewClient.
func Dial(ctx context.Context, s Server, network, addr string, h conn.Handler) error {
	d, ok := s.(conn.Dialer)
	if !ok {
		return conn.ErrUnsupported
	}
	return d.Dial(ctx, network, addr, h)
}
