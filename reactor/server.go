package reactor

import (
	"context"
	"net"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
	"github.com/netloop/netloop/internal/socket"
)

// Server is a listening reactor: one loop and one SO_REUSEPORT listener
// per configured loop. Serve runs it; see conn.Server.
type Server struct {
	loops *engine.LoopServer[*loop]
}

var (
	_ conn.Server = (*Server)(nil)
	_ conn.Dialer = (*Server)(nil)
)

// Listen opens cfg.Loops listeners on addr (a "host:port" for TCP; port 0
// picks a free port shared by all of them; "unix:PATH" or "unix:@NAME"
// for a Unix socket, see socket.ListenUnix: a stale socket file is
// replaced, a served one is EADDRINUSE, and the file is removed when Serve
// returns) and prepares a loop for each.
// Connections wait in the kernel's queue until Serve runs.
func Listen(addr string, cfg conn.Config) (*Server, error) {
	cfg = cfg.WithDefaults()
	budget := engine.NewBudget(cfg) // one for all the loops
	loops, bound, err := socket.ListenEach(addr, cfg.Loops, cfg.ReusePort, func(i, fd int, bound net.Addr) (*loop, error) {
		l, err := newLoop(i, fd, bound, cfg)
		if err == nil {
			l.ShareBudget(budget)
		}
		return l, err
	}, (*loop).release)
	if err != nil {
		return nil, err
	}
	return &Server{engine.NewLoopServer(conn.EngineReactor, bound, loops, cfg.Logger)}, nil
}

// Addr returns the address the server listens on, with the port the kernel
// chose if the requested port was 0.
func (s *Server) Addr() net.Addr { return s.loops.Addr() }

// Engine returns conn.EngineReactor.
func (s *Server) Engine() conn.Engine { return s.loops.Engine() }

// Dial opens an outbound connection on one of the server's loops, taken
// in turn; see conn.Dialer. Any goroutine.
func (s *Server) Dial(ctx context.Context, network, addr string, h conn.Handler) error {
	return s.loops.Dial(ctx, network, addr, h)
}

// Stats returns a snapshot of the loops' counters; see conn.Server.
func (s *Server) Stats() conn.Stats { return s.loops.Stats() }

// Serve runs the loops with h until ctx is cancelled; see conn.Server.
// A Unix socket's file is removed once every loop has stopped.
func (s *Server) Serve(ctx context.Context, h conn.Handler) error {
	defer socket.RemoveUnix(s.loops.Addr())
	return s.loops.Serve(ctx, h)
}

// release closes a loop that never ran: its listener and poller.
func (l *loop) release() {
	unix.Close(l.lnfd)
	l.p.close()
}
