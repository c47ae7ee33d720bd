package http1

import "bytes"

// chunked parses the chunked body that follows the header (RFC 9112 §7.1):
//
//	chunked-body = *chunk last-chunk trailer-section CRLF
//	chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	last-chunk   = 1*("0") [ chunk-ext ] CRLF
//
// Complete chunks are validated once: when the body is still incomplete the
// Parser remembers where the next chunk starts. Only when the whole body has
// arrived is it copied, in one pass, into the Request's buffer.
//
// Framing overhead is bounded as well as the data: size lines and CRLFs may
// add up to MaxChunkOverhead bytes plus a quarter of the data, so that a
// request's bytes on the wire stay within MaxChunkedBytes of its body. Without
// the bound, a body of one-byte chunks with long extensions would make a
// server buffer a thousand times the body limit before refusing it.
func (p *Parser) chunked(in []byte, r *Request) (int, error) {
	start, maxBody := r.HeaderLen, p.maxBody()
	pos, size, overhead := start, int64(0), int64(0)
	if p.resumeHeader == start {
		pos, size, overhead = p.resumeAt, p.resumeSize, p.resumeOverhead
	}
	for {
		line, next, err := nextLine(in, pos, pos+maxChunkLine, ErrChunk)
		if err != nil {
			return 0, err
		}
		if line == nil {
			break
		}
		n, ok := parseChunkSize(line)
		if !ok {
			return 0, ErrChunk
		}
		if n > maxBody-size {
			return 0, ErrBodyTooLarge
		}
		overhead += int64(len(line) + 4) // the size line's CRLF, the data's
		if overhead > MaxChunkOverhead+(size+n)/4 {
			return 0, ErrChunkOverhead
		}
		if n == 0 {
			end, err := r.trailers(in, next, next+p.maxHeader())
			if err != nil {
				return 0, err
			}
			if end == 0 {
				break
			}
			r.Body = appendChunks(r.buf[:0], in[start:pos])
			r.buf = r.Body
			return end, nil
		}
		dataEnd := next + int(n)
		if len(in) < dataEnd+2 {
			break
		}
		if in[dataEnd] != '\r' || in[dataEnd+1] != '\n' {
			return 0, ErrChunk
		}
		pos, size = dataEnd+2, size+n
	}
	p.resumeHeader, p.resumeAt, p.resumeSize, p.resumeOverhead = start, pos, size, overhead
	return 0, nil
}

// MaxChunkOverhead is the framing a chunked body may carry beyond a quarter
// of its data.
const MaxChunkOverhead = 16 << 10

// MaxRequestBytes is the most input a request within the limits can take on
// the wire: header, body, chunked framing and trailers. A server keeping a
// request's bytes until it is complete (netloop's Config.MaxInput) needs
// room for this much.
func (p *Parser) MaxRequestBytes() int {
	body := int(p.maxBody())
	return 2*p.maxHeader() + body + body/4 + MaxChunkOverhead + maxChunkLine
}

// trailers parses the trailer section starting at in[pos:] up to its final
// CRLF and returns the offset after it, or 0 when it is incomplete.
func (r *Request) trailers(in []byte, pos, limit int) (int, error) {
	for {
		line, next, err := nextLine(in, pos, limit, ErrHeaderTooLarge)
		if line == nil || err != nil {
			r.nfields -= r.ntrailer // parsed again with more input
			r.ntrailer = 0
			return 0, err
		}
		pos = next
		if len(line) == 0 {
			return pos, nil
		}
		name, value, err := splitField(line)
		if err == nil {
			err = r.addField(name, value, true)
		}
		if err != nil {
			return 0, err
		}
	}
}

// parseChunkSize parses chunk-size [ chunk-ext ] by the grammar of RFC 9112
// §7.1 and §7.1.1, nothing more: whitespace after the size that does not
// lead to an extension, an empty extension name or value, and an
// unbalanced quoted-string are all rejected, since a peer in front of us
// may read such a line another way. The meaning of extensions is ignored.
func parseChunkSize(line []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(line); i++ {
		d, ok := unhex(line[i])
		if !ok {
			break
		}
		if i == 15 { // 16 hex digits could overflow; no body is that big
			return 0, false
		}
		n = n<<4 | int64(d)
	}
	if i == 0 {
		return 0, false
	}
	return n, validChunkExt(line[i:])
}

// validChunkExt checks
//
//	chunk-ext     = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//	chunk-ext-val = token / quoted-string
//
// BWS (bad whitespace) may only precede ";" or "=" or follow them.
func validChunkExt(b []byte) bool { return validParams(b, false) }

// validParams checks a list of parameters as chunk-ext has them, and as
// transfer-coding has them when needValue is set (RFC 9112 §7):
//
//	*( OWS ";" OWS token BWS "=" BWS ( token / quoted-string ) )
func validParams(b []byte, needValue bool) bool {
	for len(b) > 0 {
		b = trimLeftOWS(b)
		if len(b) == 0 || b[0] != ';' {
			return false
		}
		b = trimLeftOWS(b[1:])
		n := tokenLen(b)
		if n == 0 {
			return false
		}
		b = b[n:]
		rest := trimLeftOWS(b)
		if len(rest) == 0 || rest[0] != '=' {
			if needValue {
				return false
			}
			continue
		}
		b = trimLeftOWS(rest[1:])
		if len(b) > 0 && b[0] == '"' {
			n = quotedLen(b)
		} else {
			n = tokenLen(b)
		}
		if n == 0 {
			return false
		}
		b = b[n:]
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c|0x20 && c|0x20 <= 'f':
		return c | 0x20 - 'a' + 10, true
	}
	return 0, false
}

// appendChunks appends the data of the chunks in body, which chunked has
// already validated, to dst.
func appendChunks(dst, body []byte) []byte {
	for len(body) > 0 {
		eol := bytes.IndexByte(body, '\n')
		n, _ := parseChunkSize(body[:eol-1])
		body = body[eol+1:]
		dst = append(dst, body[:n]...)
		body = body[n+2:]
	}
	return dst
}
