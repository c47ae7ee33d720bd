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

// Listen opens a server on addr with the engine cfg.Engine selects. Call
// Serve on the result to run it.
//
// EngineAuto takes the io_uring proactor when this kernel allows it (not
// disabled by sysctl or seccomp, every operation it needs present, its
// multishot receive self-test passed), else the epoll reactor on Linux,
// else the goroutine engine, logging the choice and the reason once per
// process. EngineProactor where io_uring is unavailable, or EngineReactor
// off Linux, returns an error matching conn.ErrUnsupported.
func Listen(addr string, cfg Config) (conn.Server, error) {
	e := cfg.Engine
	if e == conn.EngineAuto {
		var why error
		e, why = choose()
		logChoice(cfg.Logger, e, why)
	}
	switch e {
	case conn.EngineReactor:
		return reactor.Listen(addr, cfg)
	case conn.EngineProactor:
		return proactor.Listen(addr, cfg)
	case conn.EngineGoroutine:
		return goroutine.Listen(addr, cfg)
	default:
		return nil, fmt.Errorf("netloop: unknown engine %q", cfg.Engine)
	}
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

var choiceOnce sync.Once

// logChoice says once per process which engine auto chose, and why
// io_uring was not it.
func logChoice(log *zap.Logger, e conn.Engine, why error) {
	if log == nil {
		return
	}
	choiceOnce.Do(func() {
		switch e {
		case conn.EngineProactor:
			log.Info("netloop: using the io_uring proactor")
		case conn.EngineReactor:
			log.Info("netloop: io_uring unavailable, using the epoll reactor", zap.Error(why))
		default:
			log.Info("netloop: neither io_uring nor epoll here, using the goroutine engine",
				zap.String("os", runtime.GOOS), zap.Error(why))
		}
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
