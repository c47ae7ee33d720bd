package engine

import (
	"net"
	"net/netip"
)

// A TCP connection's addresses are kept in its Core as the kernel reports
// them, 38 bytes of IP, port and family for both ends, and become net.Addr
// values only when RemoteAddr or LocalAddr is first called; those are then
// cached out of line (extra.addrs), so later calls allocate nothing. An
// accept thus allocates no address at all, and a connection nobody asks
// about never pays for one. A listener bound to one address shares that
// address as every connection's local address.

// addrKind says what a compact address holds.
type addrKind uint8

const (
	addrNone  addrKind = iota // nothing: see the cache, or the listener's
	addrInet4                 // an IPv4 address
	addrInet6                 // an IPv6 address (IPv4-mapped for IPv4 on a dual-stack socket)
)

// compactAddrs are a connection's two TCP addresses in raw form.
type compactAddrs struct {
	rip, lip     [16]byte
	rport, lport uint16
	rkind, lkind addrKind
}

func setAddr(ip *[16]byte, port *uint16, kind *addrKind, ap netip.AddrPort) {
	a := ap.Addr()
	switch {
	case a.Is4():
		*kind = addrInet4
	case a.Is6():
		*kind = addrInet6
	default:
		return
	}
	*ip = a.As16()
	*port = ap.Port()
}

func (a *compactAddrs) setRemote(ap netip.AddrPort) { setAddr(&a.rip, &a.rport, &a.rkind, ap) }
func (a *compactAddrs) setLocal(ap netip.AddrPort)  { setAddr(&a.lip, &a.lport, &a.lkind, ap) }

// tcpAddr builds the net.Addr of a compact address, as the standard
// library would report it: a 16-byte IP, printed as IPv4 where it is one.
func tcpAddr(ip *[16]byte, port uint16, kind addrKind) net.Addr {
	if kind == addrNone {
		return nil
	}
	b := make(net.IP, net.IPv6len)
	copy(b, ip[:])
	return &net.TCPAddr{IP: b, Port: int(port)}
}

// LocalAddr implements conn.Conn. Any goroutine.
func (c *Core) LocalAddr() net.Addr {
	if p := c.builtAddrs(); p != nil && p.local != nil {
		return p.local
	}
	if c.addrs.lkind == addrNone {
		return c.loop.listenAddr // shared by every connection; nil if none
	}
	return c.cacheAddrs(false).local
}

// RemoteAddr implements conn.Conn. Any goroutine.
func (c *Core) RemoteAddr() net.Addr {
	if p := c.builtAddrs(); p != nil && p.remote != nil {
		return p.remote
	}
	if c.addrs.rkind == addrNone {
		return nil
	}
	return c.cacheAddrs(true).remote
}

func (c *Core) builtAddrs() *addrPair {
	if x := c.x.Load(); x != nil {
		return x.addrs.Load()
	}
	return nil
}

// cacheAddrs builds the remote (or local) address from its compact form
// and caches it, unless another goroutine did first, and returns what is
// cached. What is cached is never modified, only replaced by a copy with
// more filled in, so readers need no lock and every caller gets the same
// value.
func (c *Core) cacheAddrs(remote bool) *addrPair {
	x := c.extra()
	for {
		old := x.addrs.Load()
		if old != nil && (remote && old.remote != nil || !remote && old.local != nil) {
			return old
		}
		p := new(addrPair)
		if old != nil {
			*p = *old
		}
		if remote {
			p.remote = tcpAddr(&c.addrs.rip, c.addrs.rport, c.addrs.rkind)
		} else {
			p.local = tcpAddr(&c.addrs.lip, c.addrs.lport, c.addrs.lkind)
		}
		if x.addrs.CompareAndSwap(old, p) {
			return p
		}
	}
}

// setAddrs replaces the connection's addresses with local and remote,
// keeping the present one where either is nil.
// Loop only, before the handler hears of the connection (or, for the
// PROXY protocol, before the user's handler does).
func (c *Core) setAddrs(local, remote net.Addr) {
	if local == nil {
		local = c.LocalAddr()
	}
	if remote == nil {
		remote = c.RemoteAddr()
	}
	c.extra().addrs.Store(&addrPair{local: local, remote: remote})
}

// SetListenAddr sets the address of the loop's listener, which a
// connection accepted without a local address of its own reports as its
// LocalAddr. Before the loop runs.
func (l *Loop) SetListenAddr(a net.Addr) { l.listenAddr = a }
