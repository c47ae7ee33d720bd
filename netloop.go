// Package netloop is an asynchronous TCP server framework: a handler written
// once against package conn runs on an epoll reactor or an io_uring
// proactor, one event loop per core, chosen by Config.Engine.
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
package netloop

import (
	"context"
	"fmt"
	"sync"

	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
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
	EngineAuto     = conn.EngineAuto     // the best this system allows: see Listen
	EngineReactor  = conn.EngineReactor  // epoll readiness (package reactor)
	EngineProactor = conn.EngineProactor // io_uring completion (package proactor)
)

// Listen opens a server on addr with the engine cfg.Engine selects. Call
// Serve on the result to run it. addr is a TCP "host:port", or
// "unix:PATH" (or "unix:@NAME", a Linux abstract name) for a Unix socket:
// a socket file left by a crashed run is replaced, one another process
// serves is EADDRINUSE, and the file is removed when Serve returns.
//
// EngineAuto takes the io_uring proactor when this kernel allows it (not
// disabled by sysctl or seccomp, every operation it needs present, its
// multishot receive self-test passed) and the epoll reactor otherwise,
// logging the reason once per process. EngineProactor where io_uring is
// unavailable returns an error matching conn.ErrUnsupported.
func Listen(addr string, cfg Config) (Server, error) {
	switch cfg.Engine {
	case conn.EngineReactor:
		return server(reactor.Listen(addr, cfg))
	case conn.EngineProactor:
		return server(proactor.Listen(addr, cfg))
	case conn.EngineAuto:
		if err := proactor.Available(); err != nil {
			logFallback(cfg.Logger, err)
			return server(reactor.Listen(addr, cfg))
		}
		return server(proactor.Listen(addr, cfg))
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
		if proactor.Available() != nil {
			return conn.EngineReactor
		}
		return conn.EngineProactor
	}
	return e
}

var fallbackOnce sync.Once

func logFallback(log *zap.Logger, err error) {
	if log == nil {
		log = Config{}.WithDefaults().Logger // standard error
	}
	fallbackOnce.Do(func() {
		log.Warn("netloop: io_uring unavailable, using the epoll reactor", zap.Error(err))
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

// Dial opens an outbound connection from ordinary code on one of s's loops
// (taken in turn), served by h: OnOpen once connected, OnClose exactly once
// with the cause. See conn.Dialer for the networks, the errors and the
// context. Handlers dial with conn.Dial(ctx, c.Loop(), ...) instead, so
// that the new connection shares their loop.
func Dial(ctx context.Context, s Server, network, addr string, h conn.Handler) error {
	d, ok := s.(conn.Dialer)
	if !ok {
		return conn.ErrUnsupported
	}
	return d.Dial(ctx, network, addr, h)
}
