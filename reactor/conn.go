//go:build linux

package reactor

import (
	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
)

// tcpConn is a connection of the reactor: the shared core plus its socket
// and what the poller is watching on it.
type tcpConn struct {
	engine.Core
	fd     int
	events uint32 // the epoll events registered for fd
}

var _ conn.Conn = (*tcpConn)(nil)
