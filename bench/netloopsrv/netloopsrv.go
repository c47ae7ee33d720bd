// Package netloopsrv registers netloop's own echo servers with package
// peers — "netloop-reactor" (epoll), "netloop-proactor" (io_uring) and
// "netloop-goroutine" (a goroutine per connection on package net) — so that
// the benchmark starts them exactly like the peers. Import it for its
// side effect.
//
// netloop's HTTP server is examples/httplite, a main package; the matrix
// runs its binary rather than a second, benchmark-only HTTP handler here.
package netloopsrv

import (
	"context"
	"io"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/bench/peers"
	"github.com/netloop/netloop/conn"
)

func init() {
	for _, engine := range []conn.Engine{conn.EngineReactor, conn.EngineProactor, conn.EngineGoroutine} {
		peers.Register(peers.Server{
			Name:  "netloop-" + string(engine),
			Modes: []peers.Mode{peers.Echo},
			Config: map[peers.Mode]string{
				peers.Echo: "netloop, Engine " + string(engine) + ", Loops = loops, other Config fields zero; OnData writes in back and consumes it all",
			},
			Start: func(opt peers.Options) (io.Closer, error) { return start(engine, opt) },
		})
	}
}

func start(engine conn.Engine, opt peers.Options) (io.Closer, error) {
	srv, err := netloop.Listen(opt.Addr, netloop.Config{Engine: engine, Loops: opt.Loops})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, echo{}) }()
	return stopper{cancel, done}, nil
}

// stopper ends a Serve call and waits for it to return.
type stopper struct {
	cancel context.CancelFunc
	done   <-chan error
}

func (s stopper) Close() error {
	s.cancel()
	return <-s.done
}

// echo writes back whatever arrives.
type echo struct{}

func (echo) OnOpen(conn.Conn)         {}
func (echo) OnClose(conn.Conn, error) {}
func (echo) OnData(c conn.Conn, in []byte) int {
	c.Write(in)
	return len(in)
}
