package proxyproto

// MaxV1Length is the longest version 1 line, CRLF included:
// "PROXY UNKNOWN " followed by two full IPv6 addresses and two 5-digit
// ports.
const MaxV1Length = 107

// DefaultMaxLength is the default bound on a version 2 header's length
// field: room for Unix socket addresses (216 bytes) and a few kilobytes of
// TLVs, more than proxies send in practice.
const DefaultMaxLength = 4096

// signatures of the two versions; the version 2 one contains a NUL and
// matches no text protocol.
const (
	sigV1 = "PROXY "
	sigV2 = "\r\n\r\n\x00\r\nQUIT\n"
)

// Parser parses PROXY headers with configurable limits. Its zero value
// uses the defaults.
type Parser struct {
	// MaxLength bounds the length field of a version 2 header, the bytes
	// after its fixed 16-byte start; a header announcing more is rejected
	// with ErrTooLong as soon as the length is seen. Zero means
	// DefaultMaxLength. Version 1 lines are always bounded by
	// MaxV1Length.
	MaxLength int
}

// Parse is Parser{}.Parse: it parses the header at the start of b into h
// with the default limits.
func Parse(b []byte, h *Header) (n int, err error) { return Parser{}.Parse(b, h) }

// Parse parses the PROXY protocol header, of either version, at the start
// of b into h and returns its length: b[n:] is the first byte of the
// relayed stream. If b is a proper prefix of a header that may still be
// valid, it returns ErrNeedMore and n == 0: call again with b extended by
// the bytes that arrived since. Any other error is final; it matches
// ErrNotProxy, ErrTooLong or ErrInvalid, and its text says what is wrong.
// Input that cannot begin a header is rejected at its first byte, so a
// peer that does not speak the protocol is noticed at once.
//
// The byte slices in h point into b. Parse does not allocate.
func (p Parser) Parse(b []byte, h *Header) (n int, err error) {
	*h = Header{}
	if len(b) == 0 {
		return 0, ErrNeedMore
	}
	switch b[0] {
	case sigV1[0]:
		return parseV1(b, h)
	case sigV2[0]:
		return p.parseV2(b, h)
	}
	return 0, errNotProxy
}

// hasPrefixSoFar reports whether b and sig agree on their common length.
func hasPrefixSoFar(b []byte, sig string) bool {
	k := min(len(b), len(sig))
	return string(b[:k]) == sig[:k]
}
