package engine

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop/codec/proxyproto"
	"github.com/netloop/netloop/conn"
)

// WithProxyProtocol returns h wrapped so that every connection must start
// with a PROXY protocol header, as cfg.ProxyProtocol asks, or h itself when
// it does not ask. ServeLoops applies it; an engine that runs its loops
// otherwise calls it once before handing out the handler. Its connections
// must embed Core.
//
// The wrapper holds back h's OnOpen until the header has arrived, which
// happens on the loop like any OnData: nothing blocks. A connection from
// an untrusted source, one whose header is malformed or missing, and one
// without a header by cfg.ProxyProtocol.HeaderTimeout are closed without h
// ever hearing of them (no OnOpen, no OnClose); the logger says why, at
// debug level. Otherwise the connection's addresses become those the proxy
// saw, unless the header is a LOCAL one (a health check) or names no
// usable stream addresses, and h gets OnOpen, then OnData with whatever
// followed the header. The header stays reachable with
// proxyproto.FromConn.
//
// The wrapper passes on OnWake and OnDrain. An optional handler interface added to
// package conn must be passed on here too, or the engines stop seeing it
// when the protocol is on.
func WithProxyProtocol(h conn.Handler, cfg conn.Config) conn.Handler {
	cfg = cfg.WithDefaults()
	if !cfg.ProxyProtocol.Require {
		return h
	}
	p := &proxyHandler{
		h:       h,
		trusted: cfg.ProxyProtocol.Trusted,
		timeout: cfg.ProxyProtocol.HeaderTimeout,
		log:     cfg.Logger,
	}
	p.wake, _ = h.(conn.WakeHandler)
	p.drain, _ = h.(conn.DrainHandler)
	return p
}

// proxyHandler is the handler WithProxyProtocol returns.
type proxyHandler struct {
	h       conn.Handler
	wake    conn.WakeHandler // h, if it is one
	drain   conn.DrainHandler
	trusted []netip.Prefix
	timeout time.Duration
	parser  proxyproto.Parser
	log     *zap.Logger
}

// Until the user's handler opens a connection, its context slot, which is
// the user's only from OnOpen on, holds one of these to tell the wrapper
// where the connection stands. Zero-sized values cost no allocation.
type (
	proxyAwaited struct{} // trusted; the header is awaited
	proxyRefused struct{} // closing without the user's handler knowing
)

// withCore is satisfied by every engine connection that embeds Core.
type withCore interface{ core() *Core }

func (c *Core) core() *Core { return c }

// ProxyHeader returns the PROXY protocol header the connection arrived
// with, or nil if the server does not require the protocol. Handlers reach
// it through proxyproto.FromConn. Like the addresses, it is set before
// OnOpen and never changes after.
func (c *Core) ProxyHeader() *proxyproto.Header {
	if x := c.x.Load(); x != nil {
		return x.proxy
	}
	return nil
}

// setProxied records the header h and, where not nil, the addresses the
// proxy saw in place of the connection's own.
func (c *Core) setProxied(h *proxyproto.Header, local, remote net.Addr) {
	c.extra().proxy = h
	if local != nil || remote != nil {
		c.setAddrs(local, remote)
	}
}

// OnOpen closes a connection from an untrusted source at once, and starts
// the header clock for the others.
func (p *proxyHandler) OnOpen(c conn.Conn) {
	if !p.trusts(c.RemoteAddr()) {
		p.refuse(c, "source not trusted", nil)
		return
	}
	c.SetContext(proxyAwaited{})
	c.SetDeadline(time.Now().Add(p.timeout))
}

// OnData parses the header; once it is whole, it opens the connection to
// the user's handler and passes on what followed it.
func (p *proxyHandler) OnData(c conn.Conn, in []byte) int {
	switch c.Context().(type) {
	case proxyAwaited:
	case proxyRefused:
		return len(in)
	default:
		return p.h.OnData(c, in)
	}
	var h proxyproto.Header
	n, err := p.parser.Parse(in, &h)
	if err == proxyproto.ErrNeedMore {
		return 0 // the connection keeps the bytes and offers them again
	}
	if err != nil {
		p.refuse(c, "bad header", err)
		return len(in)
	}
	wc, ok := c.(withCore)
	if !ok {
		panic("netloop: the PROXY protocol needs engine connections that embed engine.Core")
	}
	core := wc.core()
	c.SetDeadline(time.Time{})
	local, remote := proxiedAddrs(&h)
	core.setProxied(h.Clone(), local, remote)
	c.SetContext(nil) // from here on the connection is the user's
	p.h.OnOpen(c)
	// The drain skipped it while the header was awaited; it is told
	// now, after what came with the header.
	defer p.drainOpened(core)
	rest := in[n:]
	if len(rest) == 0 || core.closeAsked() {
		return len(in) // OnData is not called after Close
	}
	m := p.h.OnData(c, rest)
	if m < 0 || m > len(rest) {
		return -1 // the engine closes with ErrBadConsume
	}
	return n + m
}

// OnClose hides connections the user's handler never opened.
func (p *proxyHandler) OnClose(c conn.Conn, err error) {
	switch c.Context().(type) {
	case proxyAwaited:
		reason := "closed before the header"
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			reason = "no header within the timeout"
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			// With part of a header read, Finish reports the latter.
			reason = "peer closed before the header"
		case errors.Is(err, conn.ErrServerClosed):
			reason = "server closed before the header"
		}
		p.debug(c, reason, err)
		return
	case proxyRefused:
		return
	}
	p.h.OnClose(c, err)
}

// OnDrain passes the call on, if the user's handler wants it, for
// connections the user's handler has opened; one still awaiting its
// header is told once it opens (drainOpened).
func (p *proxyHandler) OnDrain(c conn.Conn) {
	switch c.Context().(type) {
	case proxyAwaited, proxyRefused:
		return
	}
	if p.drain != nil {
		p.drain.OnDrain(c)
	}
}

// drainOpened tells a connection just opened on a draining loop to drain.
func (p *proxyHandler) drainOpened(core *Core) {
	if p.drain != nil && core.loop.Draining() && !core.closed() && !core.closeAsked() {
		p.drain.OnDrain(core.self)
	}
}

// OnWake passes the call on, if the user's handler wants it.
func (p *proxyHandler) OnWake(c conn.Conn) {
	if p.wake != nil {
		p.wake.OnWake(c)
	}
}

// refuse closes c before the user's handler heard of it.
func (p *proxyHandler) refuse(c conn.Conn, reason string, err error) {
	p.debug(c, reason, err)
	c.SetContext(proxyRefused{})
	c.Close()
}

func (p *proxyHandler) debug(c conn.Conn, reason string, err error) {
	if ce := p.log.Check(zap.DebugLevel, "netloop: PROXY protocol: connection closed"); ce != nil {
		ce.Write(zap.String("reason", reason), zap.Stringer("remote", c.RemoteAddr()), zap.Error(err))
	}
}

// trusts reports whether a connection from a may send a header.
func (p *proxyHandler) trusts(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return false
	}
	ip := ta.AddrPort().Addr().Unmap()
	for _, pr := range p.trusted {
		if pr.Contains(ip) {
			return true
		}
	}
	return false
}

// proxiedAddrs returns the addresses h gives in place of the connection's
// own, or nils to keep those: for a LOCAL header, and for families or
// transports a TCP connection cannot stand for.
func proxiedAddrs(h *proxyproto.Header) (local, remote net.Addr) {
	if h.Command == proxyproto.Local || h.Transport != proxyproto.Stream {
		return nil, nil
	}
	switch h.Family {
	case proxyproto.Inet, proxyproto.Inet6:
		return net.TCPAddrFromAddrPort(h.Destination), net.TCPAddrFromAddrPort(h.Source)
	case proxyproto.Unix:
		return &net.UnixAddr{Name: string(h.DestinationPath), Net: "unix"},
			&net.UnixAddr{Name: string(h.SourcePath), Net: "unix"}
	}
	return nil, nil
}
