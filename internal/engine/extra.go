package engine

import (
	"net"
	"sync/atomic"

	"github.com/netloop/netloop/codec/proxyproto"
	"github.com/netloop/netloop/conn"
)

// extra is the part of a connection that most connections never need,
// kept out of line so that an idle connection does not carry it (see
// Core). It is allocated on first need and never freed before the
// connection, so a pointer to it, once loaded, stays valid.
//
// Other goroutines reach only the atomic fields: AsyncWrite's counters
// and the built addresses. The rest is the loop's.
type extra struct {
	// AsyncWrite's bound, read by other goroutines: posted counts the
	// requests queued and not yet carried out, unsent the output the loop
	// last saw unsent. The loop publishes unsent only once the connection
	// has had an AsyncWrite, so connections that never do pay nothing.
	posted atomic.Int64
	unsent atomic.Int64

	// addrs are the addresses as net.Addr values, once built or given:
	// set by Init, InitDial, Connected and the PROXY protocol, or built
	// from Core.addrs when first asked for. Never modified once stored.
	addrs atomic.Pointer[addrPair]

	// A dialled connection's own handler (nil: the server's), and while
	// it is connecting, the dial's state (dial.go).
	h    conn.Handler
	dial *dialState

	proxy *proxyproto.Header // the PROXY header it arrived with; see proxyproto.go
	cause error              // why it is closing, unless Core.why says it

	ct       *connTimers // the built-in timers, once one is set (timer.go)
	timers   *timer      // the handler's armed timers
	timedOut error       // why a timer expired the connection
}

// addrPair is a connection's addresses as net.Addr values; nil where not
// built yet.
type addrPair struct{ local, remote net.Addr }

// extra returns c's out-of-line state, allocating it on first use. Any
// goroutine: the first to store it wins.
func (c *Core) extra() *extra {
	if x := c.x.Load(); x != nil {
		return x
	}
	x := new(extra)
	if c.x.CompareAndSwap(nil, x) {
		return x
	}
	return c.x.Load()
}
