package codec

import (
	"bufio"
	"errors"
	"io"
)

// Each calls fn with every complete frame at the start of in, in order, and
// returns the number of bytes those frames took, which is what a netloop
// OnData handler returns. Bytes of an incomplete last frame are left
// unconsumed, to be offered again with more input.
//
// A decoding error stops the scan; consumed still counts the frames already
// delivered. Each treats [bufio.ErrFinalToken] as bufio.Scanner does: the
// token is delivered and the scan ends without error. frame is valid only
// during the call to fn.
func Each(in []byte, split bufio.SplitFunc, fn func(frame []byte)) (consumed int, err error) {
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
			fn(token)
		}
		if final || advance == 0 {
			break
		}
	}
	return consumed, nil
}
