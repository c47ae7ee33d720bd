package codec

import "io"

// FixedLength frames messages that are all exactly that many bytes long.
type FixedLength int

// Split returns the first frame in data. It has the signature of
// [bufio.SplitFunc]. A FixedLength that is not positive is an ErrConfig.
func (n FixedLength) Split(data []byte, atEOF bool) (advance int, token []byte, err error) {
	size := int(n)
	switch {
	case size <= 0:
		return 0, nil, ErrConfig
	case len(data) >= size:
		return size, data[:size], nil
	case atEOF && len(data) > 0:
		return 0, nil, io.ErrUnexpectedEOF
	}
	return 0, nil, nil
}

// Append appends frame to dst. It returns ErrBadLength unless frame is
// exactly n bytes long: padding is a matter for the protocol, not the codec.
func (n FixedLength) Append(dst, frame []byte) ([]byte, error) {
	if n <= 0 {
		return dst, ErrConfig
	}
	if len(frame) != int(n) {
		return dst, ErrBadLength
	}
	return append(dst, frame...), nil
}
