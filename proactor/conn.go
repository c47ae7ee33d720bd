package proactor

import (
	"golang.org/x/sys/unix"

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
// by address. They are kept here, where the garbage collector sees them —
// sending for a send of one block, vsend for a sendmsg of several — until
// the send's completion has been reaped, even after the send was
// cancelled, and only then cleared.
type tcpConn struct {
	engine.Core
	fd        int
	slot, gen uint32

	recv    recvState
	sending []byte   // the payload of the send of one block in flight; nil when none
	vsend   *vecSend // the sendmsg in flight; nil when none

	connecting bool                 // a dial's connect is in flight
	dialAddr   *unix.RawSockaddrAny // its address, which the kernel reads until the completion

	aborting   bool  // closing without flushing: every operation is being cancelled
	cancelled  bool  // the fd-wide cancel of an abort was submitted
	abortCause error // why, when aborting; it overrides a gentler earlier cause
}

var _ conn.Conn = (*tcpConn)(nil)

// busy reports whether the ring may still post a completion for c.
func (c *tcpConn) busy() bool { return c.recv != recvIdle || c.inSend() || c.connecting }

// inSend reports whether a send of c is in flight.
func (c *tcpConn) inSend() bool { return c.sending != nil || c.vsend != nil }
