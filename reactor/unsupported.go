//go:build !linux

package reactor

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"

	"github.com/netloop/netloop/conn"
)

// Server is a listening reactor. Off Linux there is no epoll, and no
// Server is ever returned.
type Server struct{}

var _ conn.Server = (*Server)(nil)

// Listen reports that the reactor needs Linux: the error matches
// conn.ErrUnsupported. The goroutine engine runs here instead.
func Listen(addr string, cfg conn.Config) (*Server, error) {
	return nil, fmt.Errorf("%w: the epoll reactor needs Linux, not %s", conn.ErrUnsupported, runtime.GOOS)
}

// Addr returns nil: off Linux there is no reactor listening.
func (s *Server) Addr() net.Addr { return nil }

// Engine returns conn.EngineReactor.
func (s *Server) Engine() conn.Engine { return conn.EngineReactor }

// Stats returns no loops: none ever ran.
func (s *Server) Stats() conn.Stats { return conn.Stats{Engine: conn.EngineReactor} }

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
