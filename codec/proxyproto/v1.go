package proxyproto

import (
	"bytes"
	"net/netip"
)

// parseV1 parses a version 1 line. It waits for the CRLF before looking at
// the fields (the specification asks for it), but rejects a wrong signature
// or a stray CR or LF as soon as it sees one.
func parseV1(b []byte, h *Header) (int, error) {
	window := b[:min(len(b), MaxV1Length)]
	if !hasPrefixSoFar(window, sigV1) {
		return 0, errNotProxy
	}
	lf := bytes.IndexByte(window, '\n')
	cr := bytes.IndexByte(window, '\r')
	if lf < 0 {
		switch {
		case cr >= 0 && cr+1 < len(window):
			return 0, errV1LoneCR // followed by something other than LF
		case len(window) == MaxV1Length:
			return 0, errV1TooLong
		}
		return 0, ErrNeedMore
	}
	if cr != lf-1 {
		if cr >= 0 && cr < lf-1 {
			return 0, errV1LoneCR
		}
		return 0, errV1LoneLF
	}
	if lf < len(sigV1) {
		return 0, errNotProxy // "PROXY" cut short by the CRLF
	}
	line := window[len(sigV1):cr]
	proto, rest, more := cut(line)
	switch string(proto) {
	case "UNKNOWN":
		// The rest of the line, whatever it is, must be ignored.
		*h = Header{Version: 1, Command: Proxy}
		return lf + 1, nil
	case "TCP4":
		*h = Header{Version: 1, Command: Proxy, Family: Inet, Transport: Stream}
	case "TCP6":
		*h = Header{Version: 1, Command: Proxy, Family: Inet6, Transport: Stream}
	default:
		return 0, errV1Protocol
	}
	var f [4][]byte
	for i := range f {
		if !more {
			return 0, errV1Fields
		}
		f[i], rest, more = cut(rest)
		if len(f[i]) == 0 {
			return 0, errV1Fields
		}
	}
	if more {
		return 0, errV1Fields
	}
	parseAddr := parseIPv4
	if h.Family == Inet6 {
		parseAddr = parseIPv6
	}
	src, ok1 := parseAddr(f[0])
	dst, ok2 := parseAddr(f[1])
	if !ok1 || !ok2 {
		return 0, errV1Addr
	}
	sport, ok1 := parsePort(f[2])
	dport, ok2 := parsePort(f[3])
	if !ok1 || !ok2 {
		return 0, errV1Port
	}
	h.Source = netip.AddrPortFrom(src, sport)
	h.Destination = netip.AddrPortFrom(dst, dport)
	return lf + 1, nil
}

// cut splits s at its first space. more reports whether there was one.
func cut(s []byte) (field, rest []byte, more bool) {
	if i := bytes.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, nil, false
}

// parseDecimal parses 1 to maxDigits decimal digits without a leading zero
// (a lone "0" excepted), as the specification requires of both ports and
// IPv4 octets so that nothing reads as octal.
func parseDecimal(s []byte, maxDigits int) (int, bool) {
	if len(s) == 0 || len(s) > maxDigits || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func parsePort(s []byte) (uint16, bool) {
	n, ok := parseDecimal(s, 5)
	if !ok || n > 0xffff {
		return 0, false
	}
	return uint16(n), true
}

// parseIPv4 parses dotted-quad notation: exactly four decimal octets.
func parseIPv4(s []byte) (netip.Addr, bool) {
	var a [4]byte
	for i := range a {
		field := s
		if i < 3 {
			j := bytes.IndexByte(s, '.')
			if j < 0 {
				return netip.Addr{}, false
			}
			field, s = s[:j], s[j+1:]
		}
		n, ok := parseDecimal(field, 3)
		if !ok || n > 255 {
			return netip.Addr{}, false
		}
		a[i] = byte(n)
	}
	return netip.AddrFrom4(a), true
}

// parseIPv6 parses colon-separated groups of 1 to 4 hexadecimal digits
// with at most one "::", and a dotted quad as the last 32 bits (the form
// inet_ntop gives IPv4-mapped addresses). Zones are not allowed.
func parseIPv6(s []byte) (netip.Addr, bool) {
	var a [16]byte
	gap := -1 // where "::" stands, in bytes of a
	i := 0
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		gap, s = 0, s[2:]
		if len(s) == 0 {
			return netip.AddrFrom16(a), true
		}
	}
	for len(s) > 0 {
		if i == 16 {
			return netip.Addr{}, false
		}
		// A dotted quad may end the address.
		if j := bytes.IndexByte(s, '.'); j >= 0 && bytes.IndexByte(s, ':') < 0 {
			if i > 12 {
				return netip.Addr{}, false
			}
			v4, ok := parseIPv4(s)
			if !ok {
				return netip.Addr{}, false
			}
			b := v4.As4()
			copy(a[i:], b[:])
			i += 4
			break
		}
		n, digits := 0, 0
		for digits < len(s) && digits < 5 {
			v, ok := unhex(s[digits])
			if !ok {
				break
			}
			n = n<<4 | v
			digits++
		}
		if digits == 0 || digits > 4 {
			return netip.Addr{}, false
		}
		a[i], a[i+1] = byte(n>>8), byte(n)
		i += 2
		s = s[digits:]
		if len(s) == 0 {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return netip.Addr{}, false // a trailing single colon, or junk
		}
		s = s[1:]
		if s[0] == ':' {
			if gap >= 0 {
				return netip.Addr{}, false // a second "::"
			}
			gap, s = i, s[1:]
		}
	}
	switch {
	case gap < 0 && i != 16:
		return netip.Addr{}, false
	case gap >= 0:
		if i == 16 {
			return netip.Addr{}, false // "::" must stand for at least one group
		}
		// Move the groups after the gap to the end.
		n := i - gap
		copy(a[16-n:], a[gap:i])
		clear(a[gap : 16-n])
	}
	return netip.AddrFrom16(a), true
}

func unhex(c byte) (int, bool) {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0'), true
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10), true
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10), true
	}
	return 0, false
}
