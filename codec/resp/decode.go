package resp

import (
	"bytes"
	"io"
	"math"
)

// Limits Redis applies, and this package with it.
const (
	// InlineMax is how far Redis looks for the end of an inline command
	// or of an array's or bulk string's length line (PROTO_INLINE_MAX_SIZE).
	InlineMax = 64 << 10

	// DefaultMaxBulk is the longest bulk string accepted when
	// Decoder.MaxBulk is zero: Redis's default proto-max-bulk-len.
	DefaultMaxBulk = 512 << 20
)

// Decoder splits commands off a byte stream. Its zero value is ready to
// use. It keeps its place in a command that has not fully arrived, so that
// the parts already parsed are not parsed again when more bytes come: give
// it one connection's input, and after a call that returned advance 0 give
// it the same bytes again followed by more (as netloop's OnData and
// bufio.Scanner do). Call Reset before giving it other input.
type Decoder struct {
	// MaxBulk bounds a bulk string's length; zero means DefaultMaxBulk.
	MaxBulk int

	args    [][]byte
	spans   []span // the arguments parsed so far, as offsets
	pos     int    // where parsing resumes in a partial array; 0 when none
	left    int    // bulk strings still to come in it
	scratch []byte // an inline command's arguments, unquoted

	// The line being looked for has no end in data[:seen]; blocked: it
	// never will, a NUL byte hides it.
	seen    int
	blocked bool
}

type span struct{ off, n int }

// Reset forgets a partly parsed command.
func (d *Decoder) Reset() {
	d.pos, d.left = 0, 0
	d.seen, d.blocked = 0, false
	d.spans = d.spans[:0]
}

// Split returns the first command in data: how many bytes it took
// (advance) and its arguments. An array of no elements (or a negative
// count) and an empty inline line are skipped, as Redis skips them:
// advance is then positive and args nil. (0, nil, nil) asks for more input;
// at EOF, input that ends inside a command gives io.ErrUnexpectedEOF.
//
// The arguments point into data, or for an inline command that needed
// unquoting into the Decoder; they are valid until the next call and
// while data is unchanged. Errors are *Error values with Redis's text; the
// input cannot be read further after one.
func (d *Decoder) Split(data []byte, atEOF bool) (advance int, args [][]byte, err error) {
	if d.pos > len(data) || d.seen > len(data) {
		d.Reset() // not the input the partial command came from
	}
	if len(data) == 0 {
		return 0, nil, nil
	}
	if d.pos == 0 && data[0] != '*' {
		advance, args, err = d.inline(data)
	} else {
		advance, args, err = d.multibulk(data)
	}
	if err == nil && advance == 0 && atEOF {
		d.Reset()
		return 0, nil, io.ErrUnexpectedEOF
	}
	return advance, args, err
}

// multibulk parses an array of bulk strings, resuming at d.pos.
func (d *Decoder) multibulk(data []byte) (int, [][]byte, error) {
	if d.pos == 0 {
		nl, n, ok := d.lengthLine(data, 0)
		if nl < 0 {
			if len(data) > InlineMax {
				d.Reset()
				return 0, nil, ErrTooBigMbulkCount
			}
			return 0, nil, nil
		}
		// Redis needs the byte after the CR and skips it unread.
		if nl+2 > len(data) {
			return 0, nil, nil
		}
		if !ok || n > math.MaxInt32 {
			return 0, nil, ErrInvalidMultibulkLength
		}
		if n <= 0 {
			return nl + 2, nil, nil
		}
		d.pos, d.left = nl+2, int(n)
		d.spans = d.spans[:0]
	}
	max := d.MaxBulk
	if max <= 0 {
		max = DefaultMaxBulk
	}
	for d.left > 0 {
		p := d.pos
		if p >= len(data) {
			return 0, nil, nil
		}
		nl, n, ok := d.lengthLine(data, p)
		if nl < 0 {
			if len(data)-p > InlineMax {
				d.Reset()
				return 0, nil, ErrTooBigBulkCount
			}
			return 0, nil, nil
		}
		if nl+2 > len(data) {
			return 0, nil, nil
		}
		if data[p] != '$' {
			b := data[p]
			d.Reset()
			return 0, nil, expectedDollar(b)
		}
		if !ok || n < 0 || n > int64(max) {
			d.Reset()
			return 0, nil, ErrInvalidBulkLength
		}
		start := nl + 2
		// The two bytes after the payload are skipped unread, as Redis
		// does.
		if int64(len(data)-start) < n+2 {
			return 0, nil, nil
		}
		d.spans = append(d.spans, span{start, int(n)})
		d.pos = start + int(n) + 2
		d.left--
	}
	d.args = d.args[:0]
	for _, s := range d.spans {
		d.args = append(d.args, data[s.off:s.off+s.n:s.off+s.n])
	}
	advance := d.pos
	d.Reset()
	return advance, d.args, nil
}

// window is as much of b as Redis looks at for the end of a line. Redis
// reads at most 16 KiB at a time and gives up once more than InlineMax
// bytes hold no line end, so a longer line fails there whichever way it
// arrives; here it fails as soon as InlineMax+1 bytes hold no line end.
func window(b []byte) []byte {
	if len(b) > InlineMax+1 {
		return b[:InlineMax+1]
	}
	return b
}

// line finds the end c of the line that starts at data[from], within the
// window Redis looks at, or returns -1. It finds it as C's strchr does on
// Redis's NUL-terminated buffer, where a NUL byte before c hides it. What
// was searched in vain is remembered, so a line arriving a byte at a time
// costs a linear search in all, not a quadratic one.
func (d *Decoder) line(data []byte, from int, c byte) int {
	w := window(data[from:])
	if d.blocked {
		return -1
	}
	start := 0
	if d.seen > from {
		start = min(d.seen-from, len(w))
	}
	rest := w[start:]
	i := bytes.IndexByte(rest, c)
	nul := rest
	if i >= 0 {
		nul = rest[:i]
	}
	if bytes.IndexByte(nul, 0) >= 0 {
		d.blocked = true
		return -1
	}
	if i < 0 {
		d.seen = from + len(w)
		return -1
	}
	d.seen = 0
	return from + start + i
}

// lengthLine finds the end of the line at data[p:] that gives a count or a
// length ("*3", "$5") as line does, and parses the number after its first
// byte as parseInt does: ok is false when it is not one. The common line, a
// "*" or "$", a few digits and a CR with a byte after it, is read in one
// pass; any other takes line and parseInt, which such a line passes the
// same way (FuzzLengthLine checks it).
func (d *Decoder) lengthLine(data []byte, p int) (nl int, n int64, ok bool) {
	i := p + 1
	for i < len(data) && i-p <= 18 && '0' <= data[i] && data[i] <= '9' {
		n = n*10 + int64(data[i]-'0')
		i++
	}
	// parseInt refuses leading zeros; a NUL seen before (blocked) cannot
	// be in a line of digits, but line is the judge of it.
	if i > p+1 && i+1 < len(data) && data[i] == '\r' && (data[p+1] != '0' || i == p+2) && !d.blocked &&
		(data[p] == '*' || data[p] == '$') {
		d.seen = 0
		return i, n, true
	}
	if nl = d.line(data, p, '\r'); nl <= p {
		return nl, 0, false // not found, or the line's first byte is its end
	}
	n, ok = parseInt(data[p+1 : nl])
	return nl, n, ok
}

// parseInt parses a decimal integer as Redis's string2ll does: an optional
// minus sign, no plus sign, no leading zeros, no spaces, at most 20
// characters, within int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	switch {
	case neg && v <= 1<<63:
		return int64(-v), true
	case !neg && v <= math.MaxInt64:
		return int64(v), true
	}
	return 0, false
}

// ParseInt parses a decimal integer exactly as Redis parses integer
// arguments (string2ll): what INCR accepts as a counter and EXPIRE as a
// number of seconds.
func ParseInt(b []byte) (int64, bool) { return parseInt(b) }
