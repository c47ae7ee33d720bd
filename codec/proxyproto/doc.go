// Package proxyproto parses the PROXY protocol header, versions 1 and 2, that
// load balancers such as HAProxy, nginx, Envoy and cloud network load
// balancers put in front of a TCP stream to tell the server whom they are
// relaying: the client's address and port, the address it connected to, and
// (version 2) extra facts in type-length-value entries such as the TLS
// server name or a connection identifier.
//
// The protocol is HAProxy's, specified in its doc/proxy-protocol.txt.
// Version 1 is one line of text of at most 107 bytes including the CRLF:
//
//	PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n
//
// Version 2 is binary: a 12-byte signature, a version-and-command byte, a
// family-and-transport byte, a big-endian length, then that many bytes of
// addresses and TLVs.
//
// [Parse] works on bytes as they arrive, in the manner of bufio.SplitFunc:
// given the start of a stream it returns [ErrNeedMore] while the input is a
// proper prefix of a header that could still be valid, the header and its
// length once it is complete, or an error as soon as the input cannot
// become a valid header. It neither allocates nor copies: the byte slices
// of a [Header] point into the input (see [Header.Clone]).
//
// Parse never guesses: input that does not start with a header is an error
// ([ErrNotProxy]), not a stream without a header. A server that accepts the
// protocol must accept it only from proxies it trusts, and must then
// require it; the netloop engines do both when conn.Config.ProxyProtocol
// asks for it, and a handler reaches the header of its connection with
// [FromConn].
package proxyproto
