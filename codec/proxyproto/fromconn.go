package proxyproto

// FromConn returns the PROXY header that connection c arrived with, or nil
// if it has none. c is normally the conn.Conn a netloop handler receives:
// when conn.Config.ProxyProtocol requires the protocol, its connections
// carry the header they were opened with (a Local one included), owning
// its bytes, for as long as the connection lives. It is safe to call from
// the connection's loop; the header must not be modified.
//
// FromConn looks for a method ProxyHeader() *Header, so that this package
// needs nothing from the rest of netloop; any connection type may offer
// one.
func FromConn(c any) *Header {
	if p, ok := c.(interface{ ProxyHeader() *Header }); ok {
		return p.ProxyHeader()
	}
	return nil
}
