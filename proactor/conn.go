//go:build linux

package proactor

import (
	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
)

// recvState is where a connection's multishot receive stands.
type recvState uint8

const (
	recvIdle       recvState = iota // not armed: no receive CQE will come
	recvArmed                       // armed: CQEs come until one without CQEFMore
	recvCancelling                  // a cancel was submitted; the final CQE is still due
)

// tcpConn is a connection of the proactor: the shared core plus its socket
// and the state of the operations it has in the ring.
//
// The kernel knows a send's bytes (and a sendmsg's header and iovecs) only
// by address. They stay referenced where the garbage collector sees them
// until the send's completion has been reaped, even after the send was
// cancelled: the bytes by the Core's output queue, which keeps the blocks
// of a send in flight (engine.Core.Sending) for as long as the connection
// lives, the header and iovecs by vsend. A dial's address lives in
// loop.dialAddrs until the connect's completion.
//
// The struct is 144 bytes, one size class of the allocator, most of what
// an idle connection costs; rarely needed state belongs out of line.
type tcpConn struct {
	engine.Core
	fd        int
	slot, gen uint32

	recv       recvState
	sending    bool // a send of one block is in flight
	connecting bool // a dial's connect is in flight
	aborting   bool // closing without flushing: every operation is being cancelled
	cancelled  bool // the fd-wide cancel of an abort was submitted

	vsend *vecSend // the sendmsg in flight; nil when none
}

var _ conn.Conn = (*tcpConn)(nil)

// busy reports whether the ring may still post a completion for c.
func (c *tcpConn) busy() bool { return c.recv != recvIdle || c.inSend() || c.connecting }

// inSend reports whether a send of c is in flight.
func (c *tcpConn) inSend() bool { return c.sending || c.vsend != nil }
