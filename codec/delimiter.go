package codec

import (
	"bytes"
	"io"
)

// Delimiter frames messages that end with a delimiter, such as text lines.
//
// The zero value splits lines: a frame ends at "\n", and a "\r" just before
// it is removed as well, so both CRLF and LF line endings are accepted.
type Delimiter struct {
	// Delim is the byte sequence that ends each frame; it is not part of
	// the frame. Empty means lines, as described above.
	Delim []byte

	// Max is the maximum frame length, not counting the delimiter.
	// Zero means DefaultMaxFrame.
	Max int

	// CRLF makes Append end lines with "\r\n" rather than "\n". It applies
	// only when Delim is empty; decoding accepts both either way.
	CRLF bool
}

var (
	lf   = []byte("\n")
	crlf = []byte("\r\n")
)

// Split returns the first frame in data, without its delimiter. It has the
// signature of [bufio.SplitFunc].
func (d Delimiter) Split(data []byte, atEOF bool) (advance int, token []byte, err error) {
	max := limit(d.Max)
	delim, lines := d.Delim, len(d.Delim) == 0
	// window is the longest prefix that can hold a frame of max bytes and
	// its terminator; if the terminator is not in it, the frame is too long.
	if lines {
		delim = lf
	}
	// A limit beyond the data cannot cut the search short (and adding the
	// terminator to math.MaxInt would overflow).
	window := len(data)
	if max < len(data) {
		window = max + len(delim)
		if lines {
			window = max + len(crlf)
		}
	}
	search := data
	if len(search) > window {
		search = search[:window]
	}
	if i := bytes.Index(search, delim); i >= 0 {
		token = data[:i]
		if lines && i > 0 && token[i-1] == '\r' {
			token = token[:i-1]
		}
		if len(token) > max {
			return 0, nil, ErrFrameTooLarge
		}
		return i + len(delim), token, nil
	}
	if len(data) > max && !d.mayEnd(data, max) {
		return 0, nil, ErrFrameTooLarge
	}
	if atEOF && len(data) > 0 {
		return 0, nil, io.ErrUnexpectedEOF
	}
	return 0, nil, nil
}

// mayEnd reports whether data, which holds more than max bytes and no
// complete delimiter, could still be a frame of at most max bytes whose
// delimiter has only partly arrived. Answering early keeps a peer from
// making us wait for bytes that could not make the frame valid.
func (d Delimiter) mayEnd(data []byte, max int) bool {
	if len(d.Delim) == 0 {
		return len(data) == max+1 && data[max] == '\r'
	}
	for j := max; j >= 0 && j > len(data)-len(d.Delim); j-- {
		if bytes.HasPrefix(d.Delim, data[j:]) {
			return true
		}
	}
	return false
}

// Append appends frame and its delimiter to dst. It returns
// ErrDelimiterInFrame if frame contains the delimiter (for lines: any CR or
// LF), which the decoder could not tell apart, and ErrFrameTooLarge if frame
// is longer than Max.
func (d Delimiter) Append(dst, frame []byte) ([]byte, error) {
	if len(frame) > limit(d.Max) {
		return dst, ErrFrameTooLarge
	}
	delim := d.Delim
	if len(delim) == 0 {
		if bytes.IndexAny(frame, "\r\n") >= 0 {
			return dst, ErrDelimiterInFrame
		}
		delim = lf
		if d.CRLF {
			delim = crlf
		}
	} else if bytes.Contains(frame, delim) || overlaps(frame, delim) {
		return dst, ErrDelimiterInFrame
	}
	dst = append(dst, frame...)
	return append(dst, delim...), nil
}

// overlaps reports whether delim, appended to frame, would also occur
// starting inside frame, as "00" does after a frame ending in "0". The
// decoder would then end the frame early.
func overlaps(frame, delim []byte) bool {
	for k := 1; k < len(delim) && k <= len(frame); k++ {
		if bytes.HasSuffix(frame, delim[:k]) && bytes.Equal(delim[k:], delim[:len(delim)-k]) {
			return true
		}
	}
	return false
}
