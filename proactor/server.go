package proactor

import (
	"net"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/socket"
)

// Server is a listening proactor: one loop, one io_uring and one
// SO_REUSEPORT listener per configured loop. Serve runs it; see
// conn.Server.
type Server struct {
	*conn.LoopServer[*loop]
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
	loops, bound, err := socket.ListenEach(addr, cfg.Loops, func(i, fd int, bound *net.TCPAddr) (*loop, error) {
		return newLoop(i, fd, bound, cfg)
	}, (*loop).release)
	if err != nil {
		return nil, err
	}
	return &Server{conn.NewLoopServer(bound, loops)}, nil
}

// inFlight returns, summed over the loops, the ring operations in flight
// and the connections open, as of each loop's last wait.
func (s *Server) inFlight() (ops, conns int) {
	for _, l := range s.Loops() {
		ops += int(l.statOps.Load())
		conns += int(l.statConns.Load())
	}
	return ops, conns
}
