package proxyproto

import "errors"

// Errors of Parse. Every error other than ErrNeedMore is final: the input
// does not start with a valid header and no further bytes can change that.
// The errors Parse returns describe the fault in their text and match one of
// these with errors.Is.
var (
	// ErrNeedMore means the input is a proper prefix of what may still
	// become a valid header: call Parse again once more bytes arrived.
	ErrNeedMore = errors.New("proxyproto: incomplete header")

	// ErrNotProxy means the input does not start with the signature of
	// either version: the peer does not speak the protocol.
	ErrNotProxy = errors.New("proxyproto: not a PROXY protocol header")

	// ErrTooLong means the header exceeds its size limit: a version 1
	// line without CRLF in its first 107 bytes, or a version 2 length
	// above the parser's maximum.
	ErrTooLong = errors.New("proxyproto: header too long")

	// ErrInvalid means the input starts with a signature but breaks the
	// protocol's rules: a bad field, address, TLV or checksum.
	ErrInvalid = errors.New("proxyproto: malformed header")
)

// parseError is one of the fixed, preallocated errors Parse returns, so that
// rejecting input costs no allocation either. kind is the sentinel it
// matches.
type parseError struct {
	msg  string
	kind error
}

func (e *parseError) Error() string { return e.msg }
func (e *parseError) Unwrap() error { return e.kind }

func invalid(msg string) error { return &parseError{"proxyproto: " + msg, ErrInvalid} }

var (
	errNotProxy    = &parseError{"proxyproto: input starts with neither PROXY signature", ErrNotProxy}
	errV1TooLong   = &parseError{"proxyproto: v1 line has no CRLF within 107 bytes", ErrTooLong}
	errV2TooLong   = &parseError{"proxyproto: v2 length exceeds the maximum", ErrTooLong}
	errV1LoneCR    = invalid("v1 line has a CR not followed by LF")
	errV1LoneLF    = invalid("v1 line ends with LF without CR")
	errV1Protocol  = invalid("v1 protocol is not TCP4, TCP6 or UNKNOWN")
	errV1Fields    = invalid("v1 line does not have 4 single-space separated fields after the protocol")
	errV1Addr      = invalid("v1 address is not in canonical form for its protocol")
	errV1Port      = invalid("v1 port is not a decimal in 0..65535 without leading zeros")
	errV2Version   = invalid("v2 version is not 2")
	errV2Command   = invalid("v2 command is neither LOCAL nor PROXY")
	errV2Family    = invalid("v2 family/transport byte is not one the protocol defines")
	errV2Short     = invalid("v2 length is shorter than the addresses of its family")
	errTLV         = invalid("v2 TLV runs past the end of the header")
	errTLVSSL      = invalid("v2 SSL TLV is shorter than 5 bytes or has bad sub-TLVs")
	errTLVUniqueID = invalid("v2 unique ID TLV is longer than 128 bytes")
	errTLVCRC      = invalid("v2 CRC32C TLV is not 4 bytes, or appears twice")
	errChecksum    = invalid("v2 CRC32C checksum does not match")
)
