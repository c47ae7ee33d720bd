package engine

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/netloop/netloop/conn"
)

// errNoHandler is Dial's error on a client's loop without a handler: a
// client has no server handler to serve the connection with.
var errNoHandler = errors.New("netloop: a client's dial needs a handler")

// Dialing is an outbound connection being set up, as the kit hands it to
// the engine's connect function (see SetConnect): the address is resolved,
// and the engine opens a socket, starts a non-blocking connect and makes a
// connection for it with InitDial.
type Dialing struct {
	Ctx     context.Context
	Network string   // "tcp", "tcp4", "tcp6" or "unix"
	Addr    string   // as the caller gave it, for errors
	Remote  net.Addr // resolved: *net.TCPAddr or *net.UnixAddr
	Handler conn.Handler

	// Deadline is when the dial fails with os.ErrDeadlineExceeded if it
	// has not connected: the earlier of Ctx's deadline and
	// Config.DialTimeout from the call. Zero: none. InitDial arms a loop
	// timer for it.
	Deadline time.Time
}

// dialState is what a connection being dialled keeps until it connects or
// fails.
type dialState struct {
	ctx     context.Context
	network string
	addr    net.Addr
	stop    func() bool // stops the context's AfterFunc

	// deadline is Dialing.Deadline as a timer of the loop's heap, linked
	// among the connection's timers so that Finish disarms it with the
	// others; it expires the connection with os.ErrDeadlineExceeded.
	deadline timer
}

// SetConnect installs the engine's connect function, which Dial calls on
// the loop with a resolved address. It returns an error, and creates no
// connection, when the connect fails at once (no socket, an address the
// kernel refuses outright); otherwise it has called InitDial and later
// calls Connected or finishes the connection with the connect's error.
func (l *Loop) SetConnect(connect func(d *Dialing) error) { l.connect = connect }

// Dial implements conn.Dialer: it resolves addr off the loop (only a host
// name needs a goroutine; an IP literal or a Unix path does not), then
// starts the connect on the loop. Any goroutine.
func (l *Loop) Dial(ctx context.Context, network, addr string, h conn.Handler) error {
	if l.connect == nil {
		return conn.ErrUnsupported
	}
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
	}
	if h == nil && l.dialOnly {
		return errNoHandler
	}
	if ctx == nil {
		ctx = context.Background()
	}
	d := &Dialing{Ctx: ctx, Network: network, Addr: addr, Handler: h}
	d.Deadline, _ = ctx.Deadline()
	if t := l.cfg.DialTimeout; t > 0 {
		if end := time.Now().Add(t); d.Deadline.IsZero() || end.Before(d.Deadline) {
			d.Deadline = end
		}
	}
	if network == "unix" {
		d.Remote = &net.UnixAddr{Name: addr, Net: "unix"}
		return l.postDial(d, nil)
	}
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		d.Remote = net.TCPAddrFromAddrPort(ap)
		return l.postDial(d, nil)
	}
	// Name resolution may take seconds: never on the loop. It is bounded
	// by the dial's deadline too; a context made here costs a runtime
	// timer, but only for a dial that resolves a name, which costs a
	// goroutine anyway. The loop's stop cancels it, and waits for it to
	// queue its outcome (see RefuseRequests), so that its handler hears
	// ErrServerClosed rather than nothing.
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return conn.ErrServerClosed
	}
	l.resolving.Add(1)
	l.mu.Unlock()
	go func() {
		defer l.resolving.Done()
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if !d.Deadline.IsZero() {
			rctx, cancel = context.WithDeadline(rctx, d.Deadline)
			defer cancel()
		}
		defer context.AfterFunc(l.resolveStop, cancel)()
		ra, err := resolveTCP(rctx, network, addr)
		if l.resolveStop.Err() != nil {
			err = conn.ErrServerClosed
		}
		d.Remote = ra
		l.queue1(l.dialRequest(d, err))
	}()
	return nil
}

// dialRequest is the request that starts d on the loop, or fails it with
// err. A dial still queued when the loop stops is not dropped unheard:
// its handler gets OnClose with conn.ErrServerClosed, as a dial in
// progress then does.
func (l *Loop) dialRequest(d *Dialing, err error) Request {
	return Request{
		Kind: RequestFunc,
		Fn:   func() { l.startDial(d, err) },
		Drop: func() { l.startDial(d, conn.ErrServerClosed) },
	}
}

// postDial queues the start of d on the loop; see dialRequest.
func (l *Loop) postDial(d *Dialing, err error) error { return l.post(l.dialRequest(d, err)) }

// resolveTCP resolves a "host:port" with the context, as net.Dialer does,
// taking the first address of the family the network asks for.
func resolveTCP(ctx context.Context, network, addr string) (*net.TCPAddr, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	p, err := net.DefaultResolver.LookupPort(ctx, network, port)
	if err != nil {
		return nil, err
	}
	ipnet := "ip"
	switch network {
	case "tcp4":
		ipnet = "ip4"
	case "tcp6":
		ipnet = "ip6"
	}
	if host == "" {
		return &net.TCPAddr{Port: p}, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, ipnet, host)
	if err != nil {
		return nil, err
	}
	// Prefer IPv4, as most servers a proxy dials listen there.
	best := ips[0]
	for _, ip := range ips {
		if ip.Is4() || ip.Is4In6() {
			best = ip
			break
		}
	}
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(best.Unmap(), uint16(p))), nil
}

// startDial runs on the loop once the address is resolved (or failed to).
func (l *Loop) startDial(d *Dialing, err error) {
	if d.Handler == nil {
		d.Handler = l.handler
	}
	if err == nil {
		err = d.Ctx.Err()
	}
	if err == nil {
		err = l.connect(d)
	}
	if err != nil {
		// No socket to wait for: a connection only in name, so that the
		// handler hears of the failure as of any other, in OnClose.
		f := &failedDial{}
		d.Deadline = time.Time{} // no timer to arm for it
		f.InitDial(f, l, d)
		f.Finish(d.Handler, err)
	}
}

// failedDial is the connection OnClose receives for a dial that failed
// before the engine made one.
type failedDial struct{ Core }

// InitDial prepares c, a connection being dialled as d asks, on loop l:
// its handler is d.Handler (the PROXY protocol wrapper never sees it), it
// counts as Dialed, and the dial's context, when cancelled or past its
// deadline, closes it. local may be nil; Connected sets it.
//
// The deadline (Dialing.Deadline) is a timer of the loop: once due,
// RunTimers returns c among the expired connections, with TimedOut
// os.ErrDeadlineExceeded, and the engine closes it as any expired one.
// Cancellation of the context reaches the loop as a request.
func (c *Core) InitDial(self conn.Conn, l *Loop, d *Dialing) {
	*c = Core{self: self, loop: l}
	x := c.extra()
	x.addrs.Store(&addrPair{remote: d.Remote})
	x.h = d.Handler
	x.dial = &dialState{ctx: d.Ctx, network: d.Network, addr: d.Remote}
	l.stats.own.Dialed++
	l.stats.own.Open++
	l.live.Add(1)
	l.track(c)
	if !d.Deadline.IsZero() {
		t := &x.dial.deadline
		c.initTimer(t, timerDial)
		// Sub uses the monotonic readings, which time.Now().Add and
		// context.WithTimeout give a deadline.
		l.arm(t, int64(d.Deadline.Sub(epoch)))
		c.linkTimer(t)
	}
	if d.Ctx.Done() != nil {
		x.dial.stop = context.AfterFunc(d.Ctx, func() {
			l.post(Request{Kind: RequestDialCancel, Conn: c})
		})
	}
}

// Dialing reports whether c is an outbound connection not yet connected.
func (c *Core) Dialing() bool {
	x := c.x.Load()
	return x != nil && x.dial != nil
}

// Connected records that c's connect succeeded, with local its local
// address, and calls its handler's OnOpen. The engine calls it on the
// loop, with the connection registered for reading, and flushes it after.
func (c *Core) Connected(local net.Addr) {
	x := c.extra()
	if x.dial.stop != nil {
		x.dial.stop()
	}
	if t := &x.dial.deadline; t.loop != nil {
		c.loop.disarm(t)
		c.unlinkTimer(t)
	}
	x.dial = nil
	x.addrs.Store(&addrPair{local: local, remote: x.addrs.Load().remote})
	x.h.OnOpen(c.self)
}

// cancelDial closes a connection still dialling because its context ended.
func (c *Core) cancelDial() {
	x := c.x.Load()
	if x == nil || x.dial == nil {
		return
	}
	err := x.dial.ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		err = os.ErrDeadlineExceeded
	}
	c.StartClose(err)
}

// dialError is err as OnClose reports a failed dial: a *net.OpError with
// Op "dial", wrapping the connect's errno as an *os.SyscallError, so that
// errors.Is matches syscall.ECONNREFUSED and the like, or
// os.ErrDeadlineExceeded for a timeout.
func (d *dialState) dialError(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		var se *os.SyscallError
		if !errors.As(err, &se) {
			err = os.NewSyscallError("connect", errno)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, os.ErrDeadlineExceeded) {
		err = os.ErrDeadlineExceeded
	}
	var addr net.Addr
	if d.addr != nil && !isNilAddr(d.addr) {
		addr = d.addr
	}
	return &net.OpError{Op: "dial", Net: d.network, Addr: addr, Err: err}
}

func isNilAddr(a net.Addr) bool {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a == nil
	case *net.UnixAddr:
		return a == nil
	}
	return false
}
