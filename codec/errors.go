package codec

import "errors"

// DefaultMaxFrame is the maximum frame length used when a codec's Max is zero.
// It matches [bufio.MaxScanTokenSize], so a decoder's limit is never larger
// than what a default [bufio.Scanner] can hold.
const DefaultMaxFrame = 64 * 1024

var (
	// ErrFrameTooLarge reports a frame longer than the codec's maximum. A
	// decoder returns it as soon as the length is known (for length-field
	// framing, from the header alone), before the frame has arrived.
	ErrFrameTooLarge = errors.New("codec: frame too large")

	// ErrBadLength reports a frame whose length cannot be right: a length
	// field that, after adjustment, is shorter than the header or than the
	// bytes to strip, or a payload that does not fit the length field or the
	// fixed frame size.
	ErrBadLength = errors.New("codec: bad frame length")

	// ErrDelimiterInFrame reports a frame that cannot be encoded because it
	// contains its own delimiter.
	ErrDelimiterInFrame = errors.New("codec: frame contains the delimiter")

	// ErrConfig reports a codec whose parameters are invalid, such as a
	// length field size other than 1, 2, 4 or 8 bytes.
	ErrConfig = errors.New("codec: invalid configuration")
)

// limit returns max, or DefaultMaxFrame when max is zero or negative.
func limit(max int) int {
	if max <= 0 {
		return DefaultMaxFrame
	}
	return max
}
