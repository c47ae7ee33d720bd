package http1

import "encoding/binary"

// Character classes of RFC 9110 §5.6.2 and §5.5, as lookup tables.
var (
	// tchar: the characters of a token (method, field name, coding).
	tchar = class("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
	// targetChar: what a request target may contain: visible ASCII, no
	// fragment. Finer URI syntax is left to the application.
	targetChar = classRange(0x21, 0x7e, "#")
	// valueChar: field-value bytes: visible ASCII, SP, HTAB and obs-text.
	// Everything else, CR and NUL above all, is rejected.
	valueChar = func() [256]bool {
		t := classRange(0x21, 0x7e, "")
		for c := 0x80; c < 0x100; c++ {
			t[c] = true
		}
		t[' '], t['\t'] = true, true
		return t
	}()
)

// qdtextChar: what a quoted-string holds unescaped (RFC 9110 §5.6.4):
// HTAB, SP, visible ASCII except DQUOTE and backslash, and obs-text.
var qdtextChar = func() [256]bool {
	t := classRange(0x21, 0x7e, "\"\\")
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	t[' '], t['\t'] = true, true
	return t
}()

func class(chars string) (t [256]bool) {
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = true
	}
	return t
}

func classRange(lo, hi byte, except string) (t [256]bool) {
	for c := int(lo); c <= int(hi); c++ {
		t[c] = true
	}
	for i := 0; i < len(except); i++ {
		t[except[i]] = false
	}
	return t
}

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tchar[c] {
			return false
		}
	}
	return true
}

func all(b []byte, t *[256]bool) bool {
	for _, c := range b {
		if !t[c] {
			return false
		}
	}
	return true
}

// equalFold reports whether b equals lower, an ASCII lower-case string,
// ignoring ASCII case.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// tokenLen returns the length of the token at the start of b, 0 if none.
func tokenLen(b []byte) int {
	n := 0
	for n < len(b) && tchar[b[n]] {
		n++
	}
	return n
}

// quotedLen returns the length of the quoted-string (RFC 9110 §5.6.4) at
// the start of b, quotes included, or 0 if b does not start with a
// complete one.
func quotedLen(b []byte) int {
	if len(b) == 0 || b[0] != '"' {
		return 0
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
			if i+1 == len(b) || !valueChar[b[i+1]] {
				return 0
			}
			i++
		case !qdtextChar[c]:
			return 0
		}
	}
	return 0
}

func trimLeftOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	return b
}

// trimOWS removes optional whitespace (SP and HTAB) at both ends of b.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// nextElement splits the first element off a comma-separated list value,
// trimming whitespace; empty elements are returned as empty, as the list
// syntax of RFC 9110 §5.6.1 allows them.
func nextElement(list []byte) (elem, rest []byte) {
	for i, c := range list {
		if c == ',' {
			return trimOWS(list[:i]), list[i+1:]
		}
	}
	return trimOWS(list), nil
}

// validValue reports whether every byte of b is a valueChar, as
// all(b, &valueChar) does, eight bytes at a time: the only bytes a field
// value may not hold are the controls below 0x20 other than HTAB, and DEL,
// so a word without a control (a tab, usually none) is valid as it stands,
// and only one with a control is looked at byte by byte. Header values are
// most of what a request's bytes are.
func validValue(b []byte) bool {
	for ; len(b) >= 8; b = b[8:] {
		if hasControl(binary.LittleEndian.Uint64(b)) && !all(b[:8], &valueChar) {
			return false
		}
	}
	return all(b, &valueChar)
}

// hasControl reports whether a byte of the word x is below 0x20 or is DEL:
// whether x may hold a byte that is not a valueChar. It never misses one;
// HTAB, which is a valueChar, also counts.
func hasControl(x uint64) bool { return controlBytes(x) != 0 }

// controlBytes marks, with its high bit, each byte of the word x that is
// below 0x20 or is DEL. A mark may be wrong only above a right one (the
// subtraction's borrow runs upwards), so the lowest mark is exact: with x
// loaded little-endian, bits.TrailingZeros64(m)/8 is the offset of the
// first such byte.
func controlBytes(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (x - 0x20*ones) & ^x & highs // a byte below 0x20
	del := x ^ 0x7f*ones
	del = (del - ones) & ^del & highs // a byte equal to 0x7f
	return below | del
}
