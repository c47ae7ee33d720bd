package http1

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Default limits, used when a Parser's field is zero.
const (
	DefaultMaxHeaderBytes = 8 << 10
	DefaultMaxBodyBytes   = 1 << 20
)

// maxChunkLine bounds a chunk-size line with its extensions.
const maxChunkLine = 1024

// Parser parses requests from a connection's unconsumed input. Use one
// Parser per connection: besides its limits it remembers how far it has
// validated an incomplete chunked body, so that a body dribbled in small
// reads is not rescanned from its start each time. It must therefore be
// offered the same unconsumed input again, with more appended, as OnData
// does; call Reset when that is not so.
type Parser struct {
	// MaxHeaderBytes bounds the request line and header section, and
	// separately the trailer section. Zero means DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// MaxBodyBytes bounds the body. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int

	// Where to resume scanning an incomplete chunked body: valid when
	// resumeHeader, the header length it was found after, is not zero.
	resumeHeader   int
	resumeAt       int   // offset of the next chunk-size line
	resumeSize     int64 // body bytes in the chunks before it
	resumeOverhead int64 // chunk framing bytes so far

	// An incomplete Content-Length body: the header, already parsed and
	// valid, is waitHeader bytes, and the request ends at waitEnd. Until
	// that much input has arrived, Parse answers at once without parsing
	// the header again, so a body dribbled in small reads costs nothing
	// per read beyond the call.
	waitHeader, waitEnd int
}

// Reset forgets any partly parsed request.
func (p *Parser) Reset() { p.resumeHeader, p.waitEnd = 0, 0 }

// Parse parses the request at the start of in into r. It returns the length
// of the whole request (header and body) when it is complete; (0, nil) when
// more input is needed; or a rejection, one of the *Error values of this
// package, after which the connection must be closed.
func (p *Parser) Parse(in []byte, r *Request) (n int, err error) {
	r.reset()
	if p.waitEnd > 0 && len(in) < p.waitEnd {
		r.HeaderLen = p.waitHeader
		return 0, nil
	}
	n, err = p.parse(in, r)
	if n > 0 || err != nil {
		p.Reset()
	}
	return n, err
}

func (p *Parser) maxHeader() int {
	if p.MaxHeaderBytes > 0 {
		return p.MaxHeaderBytes
	}
	return DefaultMaxHeaderBytes
}

func (p *Parser) maxBody() int64 {
	if p.MaxBodyBytes > 0 {
		return int64(p.MaxBodyBytes)
	}
	return DefaultMaxBodyBytes
}

// framing collects the header fields that decide how the message is framed
// and whether the connection persists.
type framing struct {
	host, length, coding bool // seen
	chunkedLast          bool // the last coding listed is chunked
	unknownCoding        bool
	close, keepAlive     bool // Connection options
}

func (p *Parser) parse(in []byte, r *Request) (int, error) {
	limit := p.maxHeader()
	pos := 0
	// RFC 9112 §2.2: ignore empty lines before the request line. They
	// count against the header limit, so they cannot go on forever.
	for pos+2 <= min(len(in), limit) && in[pos] == '\r' && in[pos+1] == '\n' {
		pos += 2
	}
	end := min(len(in), limit)
	if next, ok := r.scanRequestLine(in[:end], pos); ok {
		return p.parseFields(in, r, next, limit)
	}
	start := pos
	line, pos, err := nextLine(in, pos, limit, ErrHeaderTooLarge)
	// A complete request line that parses would pass checkRequestLine
	// too, so the common case scans the line once. Anything else takes
	// the checks in their order, so that the error does not depend on
	// which path found it.
	if line == nil || err != nil || r.parseRequestLine(line) != nil {
		if err := checkRequestLine(in[start:max(start, min(len(in), limit))]); err != nil {
			return 0, err
		}
		if err == ErrHeaderTooLarge && start < limit {
			return 0, lineTooLong(in[start:limit])
		}
		if line == nil || err != nil {
			return 0, err
		}
		if err := r.parseRequestLine(line); err != nil {
			return 0, err
		}
	}
	return p.parseFields(in, r, pos, limit)
}

// parseFields parses the header fields at in[pos:], up to the empty line
// that ends them, and then frames the body.
func (p *Parser) parseFields(in []byte, r *Request, pos, limit int) (int, error) {
	var f framing
	end := min(len(in), limit)
	for {
		if pos+2 <= end && in[pos] == '\r' && in[pos+1] == '\n' {
			pos += 2 // the empty line that ends the header
			break
		}
		name, value, next, ok := scanField(in[:end], pos)
		if !ok {
			// Incomplete, too long or malformed: the careful path
			// finds out which.
			var line []byte
			var err error
			line, next, err = nextLine(in, pos, limit, ErrHeaderTooLarge)
			if line == nil || err != nil {
				return 0, err
			}
			if len(line) == 0 {
				pos = next
				break
			}
			if name, value, err = splitField(line); err != nil {
				return 0, err
			}
		}
		pos = next
		if err := r.addField(name, value, false); err != nil {
			return 0, err
		}
		if err := r.note(name, value, &f); err != nil {
			return 0, err
		}
	}
	r.HeaderLen = pos
	if err := r.frame(&f, p.maxBody()); err != nil {
		return 0, err
	}
	switch {
	case r.Chunked:
		return p.chunked(in, r)
	case int64(len(in)-pos) < r.ContentLength:
		p.waitHeader, p.waitEnd = pos, pos+int(r.ContentLength)
		return 0, nil
	}
	bodyEnd := pos + int(r.ContentLength)
	r.Body = in[pos:bodyEnd]
	return bodyEnd, nil
}

// checkRequestLine looks at the start of a request line, which may not
// have arrived in full, and rejects it as soon as a byte shows that it
// cannot be one (RFC 9112 §3: method SP request-target SP HTTP-version):
// NUL bytes or a TLS ClientHello are refused at once instead of waiting for
// a line feed that may never come. It returns the error that parsing the
// complete line would, so the result does not depend on how the input was
// split: a byte outside a token in the method is ErrMethod, one outside the
// target's characters ErrTarget, a missing part or a version not shaped
// like HTTP/1.1 ErrRequestLine. The line's end stops it; a CR may be that
// end, so it is judged by the next byte.
func checkRequestLine(b []byte) error {
	i := 0
	for i < len(b) && tchar[b[i]] {
		i++
	}
	switch {
	case i == len(b) || lineEnd(b, i):
		return nil
	case b[i] != ' ':
		return ErrMethod
	case i == 0:
		return ErrRequestLine
	}
	i++
	start := i
	for i < len(b) && targetChar[b[i]] {
		i++
	}
	switch {
	case i == len(b) || lineEnd(b, i):
		return nil
	case b[i] != ' ':
		return ErrTarget
	case i == start:
		return ErrRequestLine
	}
	const shape = "HTTP/0.0" // 0 stands for any digit
	for k, c := range b[i+1:] {
		switch {
		case lineEnd(b, i+1+k):
			return nil // too short, but the complete line says so
		case k == len(shape):
			return ErrRequestLine
		case shape[k] == '0' && !isDigit(c), shape[k] != '0' && c != shape[k]:
			return ErrRequestLine
		}
	}
	return nil
}

// lineEnd reports whether b[i] ends a line, or may: an LF, or a CR that is
// last in b or followed by an LF.
func lineEnd(b []byte, i int) bool {
	return b[i] == '\n' || b[i] == '\r' && (i+1 == len(b) || b[i+1] == '\n')
}

// lineTooLong names what made a request line overrun the header limit,
// given the part of it within the limit: RFC 9112 §3 answers a method
// longer than any implemented with 501 and a request target too long to
// parse with 414; past the target, the version is simply malformed.
func lineTooLong(b []byte) error {
	switch bytes.Count(b, []byte(" ")) {
	case 0:
		return ErrMethodTooLong
	case 1:
		return ErrTargetTooLong
	}
	return ErrRequestLine
}

// nextLine returns the line starting at in[start:], without its CRLF, and
// the offset after it. It returns a nil line when the line is incomplete,
// and tooLong when its end lies at or beyond limit (an offset into in).
func nextLine(in []byte, start, limit int, tooLong error) (line []byte, next int, err error) {
	if start >= limit {
		return nil, start, tooLong
	}
	window := in[start:min(len(in), limit)]
	i := bytes.IndexByte(window, '\n')
	if i < 0 {
		if len(in) >= limit {
			return nil, start, tooLong
		}
		return nil, start, nil
	}
	if i == 0 || window[i-1] != '\r' {
		return nil, start, ErrLineEnding
	}
	return window[: i-1 : i-1], start + i + 1, nil
}

// scanRequestLine parses the request line at in[pos:] in one pass when it
// is the common kind: a token method, an origin-form target and an HTTP/1
// version, complete within in. It returns the offset after the line. For
// anything else ok is false and r is left for the careful path
// (parseRequestLine after nextLine, checkRequestLine on failure), which
// accepts whatever scanRequestLine does, with the same result, and names
// the error of what it does not.
func (r *Request) scanRequestLine(in []byte, pos int) (next int, ok bool) {
	i := pos
	for i < len(in) && tchar[in[i]] {
		i++
	}
	if i == pos || i+1 >= len(in) || in[i] != ' ' || in[i+1] != '/' {
		return 0, false
	}
	method := in[pos:i:i]
	i++
	target, query := i, -1
	for i < len(in) && targetChar[in[i]] {
		if in[i] == '?' && query < 0 {
			query = i
		}
		i++
	}
	v := in[min(i+1, len(in)):]
	if i == len(in) || in[i] != ' ' || len(v) < 10 || string(v[:7]) != "HTTP/1." || !isDigit(v[7]) || v[8] != '\r' || v[9] != '\n' {
		return 0, false
	}
	r.Method, r.Target, r.Path = method, in[target:i:i], in[target:i:i]
	if query >= 0 {
		r.Path, r.Query = in[target:query:query], in[query+1:i:i]
	}
	r.ProtoMinor = min(int(v[7]-'0'), 1)
	return i + 11, true
}

func (r *Request) parseRequestLine(line []byte) error {
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return ErrRequestLine
	}
	r.Method = line[:sp]
	if !isToken(r.Method) {
		return ErrMethod
	}
	rest := line[sp+1:]
	sp = bytes.IndexByte(rest, ' ')
	if sp <= 0 {
		return ErrRequestLine
	}
	r.Target = rest[:sp]
	if err := r.parseVersion(rest[sp+1:]); err != nil {
		return err
	}
	return r.parseTarget()
}

// parseVersion parses HTTP-version = "HTTP/" DIGIT "." DIGIT.
func (r *Request) parseVersion(v []byte) error {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' || !isDigit(v[5]) || !isDigit(v[7]) {
		return ErrRequestLine
	}
	if v[5] != '1' {
		return ErrVersion
	}
	// RFC 9110 §2.5: a later minor version is answered as the highest
	// one we implement.
	r.ProtoMinor = min(int(v[7]-'0'), 1)
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

var slash = []byte("/")

// parseTarget checks the request target and splits it into Path and Query.
func (r *Request) parseTarget() error {
	t := r.Target
	if !all(t, &targetChar) {
		return ErrTarget
	}
	switch {
	case t[0] == '/': // origin-form
		r.Path = t
	case len(t) == 1 && t[0] == '*': // asterisk-form
		if string(r.Method) != "OPTIONS" {
			return ErrTarget
		}
		r.Path = t
		return nil
	case string(r.Method) == "CONNECT": // authority-form
		return ErrConnect
	default: // absolute-form: scheme "://" authority [path-abempty] ["?" query]
		authority, rest, ok := splitAbsolute(t)
		if !ok {
			return ErrTarget
		}
		if !validAuthority(authority) {
			return ErrHost
		}
		// RFC 9112 §3.2.2: the target's authority overrides Host.
		r.Host = authority
		r.Path = rest
		if len(rest) == 0 || rest[0] == '?' {
			r.Path = slash
			if len(rest) > 0 {
				r.Query = rest[1:]
			}
			return nil
		}
	}
	if q := bytes.IndexByte(r.Path, '?'); q >= 0 {
		r.Path, r.Query = r.Path[:q], r.Path[q+1:]
	}
	return nil
}

// splitAbsolute splits an absolute-form target into its authority and what
// follows it.
func splitAbsolute(t []byte) (authority, rest []byte, ok bool) {
	colon := bytes.Index(t, []byte("://"))
	if colon <= 0 || !isAlpha(t[0]) {
		return nil, nil, false
	}
	for _, c := range t[1:colon] {
		if !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return nil, nil, false
		}
	}
	rest = t[colon+3:]
	end := bytes.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	if end == 0 {
		return nil, nil, false
	}
	return rest[:end], rest[end:], true
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// scanField parses the field line at in[pos:] in one pass when it is
// complete and well-formed, the common case: a token, a colon, and a value
// of valueChars ended by CRLF within in. It returns the name, the value
// without surrounding whitespace, and the offset after the line. For
// anything else ok is false, and nextLine and splitField, which look at the
// line twice, decide what it is: incomplete, too long, or which error.
// Whatever scanField accepts they accept too, with the same result.
func scanField(in []byte, pos int) (name, value []byte, next int, ok bool) {
	i := pos
	for i < len(in) && tchar[in[i]] {
		i++
	}
	if i == pos || i == len(in) || in[i] != ':' {
		return nil, nil, 0, false
	}
	name = in[pos:i:i]
	i++
	for i < len(in) && isOWS(in[i]) {
		i++
	}
	start := i
	// Eight bytes at a time to the first control byte, which is the CR
	// that ends the value unless the value holds an HTAB; the bytes left
	// after that, or at the end of in, one at a time.
	for i+8 <= len(in) {
		if m := controlBytes(binary.LittleEndian.Uint64(in[i:])); m != 0 {
			i += bits.TrailingZeros64(m) / 8
			break
		}
		i += 8
	}
	for i < len(in) && valueChar[in[i]] {
		i++
	}
	if i+2 > len(in) || in[i] != '\r' || in[i+1] != '\n' {
		return nil, nil, 0, false
	}
	value = in[start:i:i]
	for len(value) > 0 && isOWS(value[len(value)-1]) {
		value = value[:len(value)-1]
	}
	return name, value, i + 2, true
}

// splitField splits a field line into its name and trimmed value.
func splitField(line []byte) (name, value []byte, err error) {
	if isOWS(line[0]) {
		// RFC 9112 §5.2: obs-fold is rejected in requests.
		return nil, nil, ErrObsFold
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return nil, nil, ErrHeader
	}
	name = line[:colon]
	if !isToken(name) {
		if isOWS(name[len(name)-1]) {
			// RFC 9112 §5.1: MUST be rejected with 400.
			return nil, nil, ErrSpaceBeforeColon
		}
		return nil, nil, ErrHeader
	}
	value = trimOWS(line[colon+1:])
	if !validValue(value) {
		return nil, nil, ErrHeader
	}
	return name, value, nil
}
