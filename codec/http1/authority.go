package http1

import "bytes"

// Host and authority syntax: RFC 9112 §3.2 (Host = uri-host [ ":" port ])
// with uri-host and port as RFC 3986 §3.2.2 and §3.2.3 define them:
//
//	uri-host    = IP-literal / IPv4address / reg-name
//	IP-literal  = "[" ( IPv6address / IPvFuture ) "]"
//	IPvFuture   = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
//	reg-name    = *( unreserved / pct-encoded / sub-delims )
//	port        = *DIGIT
//
// An IPv4address is also a reg-name, so only reg-name is checked outside
// brackets. userinfo ("user@host") is not part of it: RFC 9110 §4.2.4 has
// recipients treat its presence in an http URI as an error.

var (
	// regNameChar: unreserved and sub-delims; "%" is checked apart.
	regNameChar = class("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=")
	// futureChar: what follows "v" HEXDIG "." in an IPvFuture.
	futureChar = class("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:")
)

// validAuthority reports whether b is uri-host [ ":" port ] with a host
// that is not empty (RFC 9110 §4.2.1: an http URI with an empty host is
// invalid).
func validAuthority(b []byte) bool {
	var host, port []byte
	if len(b) > 0 && b[0] == '[' {
		end := bytes.IndexByte(b, ']')
		if end < 0 || !validIPLiteral(b[1:end]) {
			return false
		}
		rest := b[end+1:]
		if len(rest) > 0 {
			if rest[0] != ':' {
				return false
			}
			port = rest[1:]
		}
		host = b[:end+1]
	} else {
		// A reg-name holds no ":", so the first byte outside one must
		// be the port's colon, or there is none.
		n := regNameLen(b)
		host = b[:n]
		if n < len(b) {
			if b[n] != ':' {
				return false
			}
			port = b[n+1:]
		}
	}
	if len(host) == 0 {
		return false
	}
	for _, c := range port {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// regNameLen returns the length of the reg-name at the start of b.
func regNameLen(b []byte) int {
	i := 0
	for {
		// Percent-encoding is rare: the inner loop is the common case.
		for i < len(b) && regNameChar[b[i]] {
			i++
		}
		if i+2 < len(b) && b[i] == '%' && isHex(b[i+1]) && isHex(b[i+2]) {
			i += 3
			continue
		}
		return i
	}
}

// validIPLiteral checks what is between the brackets of an IP-literal.
func validIPLiteral(b []byte) bool {
	if len(b) > 0 && (b[0] == 'v' || b[0] == 'V') {
		dot := bytes.IndexByte(b, '.')
		if dot < 2 || dot == len(b)-1 {
			return false
		}
		for _, c := range b[1:dot] {
			if !isHex(c) {
				return false
			}
		}
		return all(b[dot+1:], &futureChar)
	}
	return validIPv6(b)
}

// validIPv6 checks RFC 3986's IPv6address: eight 16-bit pieces of one to
// four hex digits separated by ":", the last two optionally written as an
// IPv4address, with at most one "::" standing for one or more zero pieces.
func validIPv6(b []byte) bool {
	pieces, elided := 0, false
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		elided, b = true, b[2:]
	}
	for len(b) > 0 {
		n := 0
		for n < len(b) && n < 5 && isHex(b[n]) {
			n++
		}
		if n < len(b) && b[n] == '.' {
			if !validIPv4(b) {
				return false
			}
			pieces += 2
			break
		}
		if n == 0 || n > 4 {
			return false
		}
		pieces++
		b = b[n:]
		if len(b) == 0 {
			break
		}
		if b[0] != ':' || len(b) == 1 {
			return false // not a separator, or a trailing single ":"
		}
		b = b[1:]
		if b[0] == ':' {
			if elided {
				return false
			}
			elided, b = true, b[1:]
		}
	}
	if elided {
		return pieces <= 7
	}
	return pieces == 8
}

// validIPv4 checks dec-octet "." dec-octet "." dec-octet "." dec-octet,
// each 0 to 255 without leading zeros.
func validIPv4(b []byte) bool {
	for octet := 0; octet < 4; octet++ {
		if octet > 0 {
			if len(b) == 0 || b[0] != '.' {
				return false
			}
			b = b[1:]
		}
		n, v := 0, 0
		for n < len(b) && n < 4 && isDigit(b[n]) {
			v = v*10 + int(b[n]-'0')
			n++
		}
		if n == 0 || n > 3 || v > 255 || (n > 1 && b[0] == '0') {
			return false
		}
		b = b[n:]
	}
	return len(b) == 0
}

func isHex(c byte) bool {
	_, ok := unhex(c)
	return ok
}
