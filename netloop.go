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

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/reactor"
)

// Config tunes a server; its zero value works. See conn.Config.
type Config = conn.Config

// Listen opens a server on addr with the engine cfg.Engine selects. Call
// Serve on the result to run it.
func Listen(addr string, cfg Config) (conn.Server, error) {
	switch cfg.Engine {
	case conn.EngineAuto, conn.EngineReactor:
		return reactor.Listen(addr, cfg)
	default:
		return nil, fmt.Errorf("netloop: unknown engine %q", cfg.Engine)
	}
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
