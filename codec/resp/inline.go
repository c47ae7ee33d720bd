package resp

import "bytes"

// inline parses an inline command: a line of arguments separated by
// spaces, with double-quoted (C escapes, \xHH) and single-quoted (only \')
// arguments, as Redis's sdssplitargs reads them.
func (d *Decoder) inline(data []byte) (int, [][]byte, error) {
	nl := d.line(data, 0, '\n')
	if nl < 0 {
		if len(data) > InlineMax {
			d.Reset()
			return 0, nil, ErrTooBigInline
		}
		return 0, nil, nil
	}
	line := data[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if bytes.IndexByte(line, '"') < 0 && bytes.IndexByte(line, '\'') < 0 {
		// Nothing to unquote: the arguments are slices of the line.
		d.args = d.args[:0]
		for p := 0; ; {
			for p < len(line) && isSpace(line[p]) {
				p++
			}
			if p == len(line) {
				break
			}
			start := p
			for p < len(line) && !ends(line[p]) {
				p++
			}
			d.args = append(d.args, line[start:p:p])
		}
		if len(d.args) == 0 {
			return nl + 1, nil, nil
		}
		return nl + 1, d.args, nil
	}
	if !d.splitArgs(line) {
		return 0, nil, ErrUnbalancedQuotes
	}
	if len(d.spans) == 0 {
		return nl + 1, nil, nil
	}
	d.args = d.args[:0]
	for _, s := range d.spans {
		d.args = append(d.args, d.scratch[s.off:s.off+s.n:s.off+s.n])
	}
	d.spans = d.spans[:0]
	return nl + 1, d.args, nil
}

// ends reports whether c ends an unquoted argument.
func ends(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// splitArgs splits line into d.spans over d.scratch, and reports false for
// unbalanced quotes. line holds no NUL byte before its end, which stands
// for the C string's terminator.
func (d *Decoder) splitArgs(line []byte) bool {
	d.scratch = d.scratch[:0]
	d.spans = d.spans[:0]
	// at returns the byte at i, or 0 past the end, as C would see it.
	at := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p >= len(line) {
			return true
		}
		start := len(d.scratch)
		inq, insq := false, false
		for done := false; !done; {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					d.scratch = append(d.scratch, unhex(at(p+2))<<4|unhex(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					e := line[p]
					switch e {
					case 'n':
						e = '\n'
					case 'r':
						e = '\r'
					case 't':
						e = '\t'
					case 'b':
						e = '\b'
					case 'a':
						e = '\a'
					}
					d.scratch = append(d.scratch, e)
				case c == '"':
					if n := at(p + 1); n != 0 && !isSpace(n) {
						return false
					}
					done = true
				case c == 0:
					return false
				default:
					d.scratch = append(d.scratch, c)
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					d.scratch = append(d.scratch, '\'')
				case c == '\'':
					if n := at(p + 1); n != 0 && !isSpace(n) {
						return false
					}
					done = true
				case c == 0:
					return false
				default:
					d.scratch = append(d.scratch, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					d.scratch = append(d.scratch, c)
				}
			}
			if at(p) != 0 {
				p++
			}
		}
		d.spans = append(d.spans, span{start, len(d.scratch) - start})
	}
}
