package reactor

import (
	"net"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/socket"
)

// Server is a listening reactor: one loop and one SO_REUSEPORT listener
// per configured loop. Serve runs it; see conn.Server.
type Server struct {
	*conn.LoopServer[*loop]
}

var _ conn.Server = (*Server)(nil)

// Listen opens cfg.Loops listeners on addr (a "host:port" for TCP; port 0
// picks a free port shared by all of them) and prepares a loop for each.
// Connections wait in the kernel's queue until Serve runs.
func Listen(addr string, cfg conn.Config) (*Server, error) {
	cfg = cfg.WithDefaults()
	loops, bound, err := socket.ListenEach(addr, cfg.Loops, func(i, fd int, bound *net.TCPAddr) (*loop, error) {
		return newLoop(i, fd, bound, cfg)
	}, (*loop).release)
	if err != nil {
		return nil, err
	}
	return &Server{conn.NewLoopServer(bound, loops)}, nil
}

// release closes a loop that never ran: its listener and poller.
func (l *loop) release() {
	unix.Close(l.lnfd)
	l.p.close()
}
