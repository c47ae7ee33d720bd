package proxyproto

import "net/netip"

// Command says whether a connection relays a client or was made by the
// proxy itself.
type Command uint8

const (
	// Proxy means the connection relays a client: the header's addresses
	// are the client's and the one it connected to. Every version 1
	// header is a Proxy header.
	Proxy Command = iota
	// Local means the proxy opened the connection on its own behalf,
	// typically for a health check: the connection's real addresses stand
	// and the header's addresses, if any, must be ignored.
	Local
)

// String returns "PROXY" or "LOCAL".
func (c Command) String() string {
	if c == Local {
		return "LOCAL"
	}
	return "PROXY"
}

// Family is the address family of the relayed connection.
type Family uint8

const (
	// Unspec is an unknown or unsupported family (version 1 "UNKNOWN",
	// version 2 AF_UNSPEC): the header carries no usable addresses and the
	// connection's real ones stand.
	Unspec Family = iota
	Inet          // IPv4: version 1 "TCP4", version 2 AF_INET
	Inet6         // IPv6: version 1 "TCP6", version 2 AF_INET6
	Unix          // version 2 AF_UNIX: addresses are socket paths
)

// String returns the family's name.
func (f Family) String() string {
	switch f {
	case Inet:
		return "inet"
	case Inet6:
		return "inet6"
	case Unix:
		return "unix"
	}
	return "unspec"
}

// Transport is the transport protocol of the relayed connection.
type Transport uint8

const (
	TransportUnspec Transport = iota // unknown or unsupported
	Stream                           // SOCK_STREAM: TCP, or a Unix stream socket
	Datagram                         // SOCK_DGRAM: UDP, or a Unix datagram socket
)

// Header is a parsed PROXY protocol header. Its byte slices point into the
// input given to Parse and are valid as long as that input is; Clone
// returns a copy that owns its bytes.
type Header struct {
	// Version is 1 or 2.
	Version int

	// Command is Proxy or Local; always Proxy in version 1.
	Command Command

	// Family and Transport describe the relayed connection. Family is
	// Unspec for version 1 "UNKNOWN" and for version 2 AF_UNSPEC.
	Family    Family
	Transport Transport

	// Source is the client's address and Destination the address it
	// connected to, for the Inet and Inet6 families. Version 2 gives them
	// for Local headers too, if the proxy sent them; they must then be
	// ignored.
	Source, Destination netip.AddrPort

	// SourcePath and DestinationPath are the socket paths of the Unix
	// family, without the NUL padding of the 108-byte fields.
	SourcePath, DestinationPath []byte

	// TLVs are the version 2 type-length-value entries that follow the
	// addresses, checked to be well formed. They are empty for version 1
	// and for the Unspec family, whose address block has no known size.
	TLVs TLVs
}

// Clone returns a copy of h that shares no memory with the input it was
// parsed from, in one allocation besides the Header itself.
func (h *Header) Clone() *Header {
	c := *h
	n := len(h.SourcePath) + len(h.DestinationPath) + len(h.TLVs)
	if n == 0 {
		return &c
	}
	buf := make([]byte, 0, n)
	buf, c.SourcePath = appendOwned(buf, h.SourcePath)
	buf, c.DestinationPath = appendOwned(buf, h.DestinationPath)
	var tlvs []byte
	_, tlvs = appendOwned(buf, h.TLVs)
	c.TLVs = TLVs(tlvs)
	return &c
}

// appendOwned appends p to buf, whose capacity must suffice, and returns
// the copy as a slice of buf capped at its length, or nil for an empty p.
func appendOwned(buf, p []byte) ([]byte, []byte) {
	if len(p) == 0 {
		return buf, nil
	}
	start := len(buf)
	buf = append(buf, p...)
	return buf, buf[start:len(buf):len(buf)]
}
