package proactor

import (
	"context"
	"errors"
	"net"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/socket"
)

// Server is a listening proactor: one loop, one io_uring and one
// SO_REUSEPORT listener per configured loop.
type Server struct {
	addr   *net.TCPAddr
	loops  []*loop
	served atomic.Bool
}

var _ conn.Server = (*Server)(nil)

// Listen opens cfg.Loops listeners on addr (a "host:port" for TCP; port 0
// picks a free port shared by all of them) and prepares a loop for each,
// with its ring and provided buffers allocated; Serve binds each ring to its
// loop's thread. If io_uring cannot be used here, Listen returns the error
// of Available, which wraps conn.ErrUnsupported.
func Listen(addr string, cfg conn.Config) (*Server, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	fds, bound, err := socket.ListenReusePort(addr, cfg.Loops)
	if err != nil {
		return nil, err
	}
	s := &Server{addr: bound}
	for i, fd := range fds {
		l, err := newLoop(i, fd, bound, cfg)
		if err != nil {
			for _, l := range s.loops {
				l.release() // the listener too
			}
			for _, fd := range fds[len(s.loops):] {
				unix.Close(fd)
			}
			return nil, err
		}
		s.loops = append(s.loops, l)
	}
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.addr }

// Serve runs every loop with h until ctx is cancelled or a loop fails, then
// shuts all loops down (each open connection gets OnClose with
// conn.ErrServerClosed) and returns once every ring is drained and closed.
// The error is nil after a cancellation.
func (s *Server) Serve(ctx context.Context, h conn.Handler) error {
	if !s.served.CompareAndSwap(false, true) {
		return errors.New("netloop: Serve called twice")
	}
	return conn.ServeLoops(ctx, h, s.loops)
}

// inFlight returns, summed over the loops, the ring operations in flight
// and the connections open, as of each loop's last wait.
func (s *Server) inFlight() (ops, conns int) {
	for _, l := range s.loops {
		ops += int(l.statOps.Load())
		conns += int(l.statConns.Load())
	}
	return ops, conns
}
