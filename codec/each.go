package codec

import (
	"bufio"
	"errors"
	"io"
)

// ErrStop is returned by the function given to [Each] to end the scan early
// without an error, as a QUIT command ends a session. The frame it was
// called with counts as consumed; Each itself returns nil, not ErrStop.
var ErrStop = errors.New("codec: stop")

// Each calls fn with every complete frame at the start of in, in order, and
// returns the number of bytes those frames took, which is what a netloop
// OnData handler returns. Bytes of an incomplete last frame are left
// unconsumed, to be offered again with more input.
//
// fn may end the scan: returning [ErrStop] stops it cleanly, and any other
// non-nil error stops it and is returned by Each as is, so a handler can
// fail on a bad command in the middle of a pipeline. Either way the frame
// fn was called with counts as consumed, and later frames are not looked
// at.
//
// A decoding error stops the scan; consumed still counts the frames already
// delivered. Each treats [bufio.ErrFinalToken] as bufio.Scanner does: the
// token is delivered and the scan ends without error. frame is valid only
// during the call to fn.
//
// Each calls split with atEOF false: an OnData handler is never told that
// the peer has finished sending (see the package documentation).
func Each(in []byte, split bufio.SplitFunc, fn func(frame []byte) error) (consumed int, err error) {
	for consumed < len(in) {
		advance, token, err := split(in[consumed:], false)
		final := errors.Is(err, bufio.ErrFinalToken)
		if err != nil && !final {
			return consumed, err
		}
		if advance < 0 || advance > len(in)-consumed {
			return consumed, bufio.ErrBadReadCount
		}
		if advance == 0 && token != nil && !final {
			// A split that yields tokens without consuming input would
			// loop forever.
			return consumed, io.ErrNoProgress
		}
		consumed += advance
		if token != nil {
			if err := fn(token); err != nil {
				if errors.Is(err, ErrStop) {
					return consumed, nil
				}
				return consumed, err
			}
		}
		if final || advance == 0 {
			break
		}
	}
	return consumed, nil
}
