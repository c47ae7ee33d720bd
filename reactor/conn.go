//go:build linux

package reactor

import (
	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
)

// tcpConn is a connection of the reactor: the shared core plus its socket
// and what the poller is watching on it. It is 128 bytes, a size class of
// its own (engine.Core is 112), which is most of what an idle connection
// costs; keep it so.
type tcpConn struct {
	engine.Core
	fd     int
	events uint32 // the epoll events registered for fd
}

var _ conn.Conn = (*tcpConn)(nil)
