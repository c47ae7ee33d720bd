//go:build !linux

package proactor

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"

	"github.com/netloop/netloop/conn"
)

// Available reports why the proactor cannot run here: io_uring is Linux's.
// The error matches conn.ErrUnsupported.
func Available() error {
	return fmt.Errorf("%w: io_uring needs Linux, not %s", conn.ErrUnsupported, runtime.GOOS)
}

// Server is a listening proactor. Off Linux no Server is ever returned.
type Server struct{}

var _ conn.Server = (*Server)(nil)

// Listen returns the error of Available.
func Listen(addr string, cfg conn.Config) (*Server, error) { return nil, Available() }

// Addr returns nil: off Linux there is no proactor listening.
func (s *Server) Addr() net.Addr { return nil }

// Engine returns conn.EngineProactor.
func (s *Server) Engine() conn.Engine { return conn.EngineProactor }

// Stats returns no loops: none ever ran.
func (s *Server) Stats() conn.Stats { return conn.Stats{Engine: conn.EngineProactor} }

// Serve returns conn.ErrUnsupported.
func (s *Server) Serve(ctx context.Context, h conn.Handler) error { return conn.ErrUnsupported }

// Dial returns conn.ErrUnsupported; see conn.Dialer.
func (s *Server) Dial(ctx context.Context, network, addr string, h conn.Handler) error {
	return conn.ErrUnsupported
}

// Shutdown returns nil: no Server is ever serving here; see
// conn.Shutdowner.
func (s *Server) Shutdown(ctx context.Context) error { return nil }

// ListenerFiles returns conn.ErrUnsupported; see conn.ListenerFiler.
func (s *Server) ListenerFiles() ([]*os.File, error) { return nil, conn.ErrUnsupported }
