package http1

// note records a header field that bears on framing or persistence.
func (r *Request) note(name, value []byte, f *framing) error {
	switch len(name) {
	case 4:
		if !equalFold(name, "host") {
			return nil
		}
		// RFC 9112 §3.2: more than one Host, or an invalid one, is a 400.
		if f.host {
			return ErrDuplicateHost
		}
		f.host = true
		// Empty when the target URI has no authority (§3.2);
		// otherwise an RFC 3986 authority without userinfo.
		if len(value) > 0 && !validAuthority(value) {
			return ErrHost
		}
		if r.Host == nil { // an absolute-form target's authority wins
			r.Host = value
		}
	case 6:
		// RFC 9110 §10.1.1: a server ignores 100-continue from HTTP/1.0.
		if equalFold(name, "expect") && equalFold(value, "100-continue") && r.ProtoMinor >= 1 {
			r.ExpectContinue = true
		}
	case 10:
		if equalFold(name, "connection") {
			return f.connectionOptions(value)
		}
	case 14:
		if equalFold(name, "content-length") {
			return r.noteLength(value, f)
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			return f.noteCodings(value)
		}
	}
	return nil
}

// noteLength parses Content-Length. A list of identical values, or
// identical repeated fields, is one length (RFC 9112 §6.3); anything else is
// a framing conflict and rejected.
func (r *Request) noteLength(value []byte, f *framing) error {
	for list := value; ; {
		var elem []byte
		elem, list = nextElement(list)
		n, ok := parseLength(elem)
		if !ok {
			return ErrContentLength
		}
		if f.length && n != r.ContentLength {
			return ErrLengthMismatch
		}
		f.length, r.ContentLength = true, n
		if list == nil {
			return nil
		}
	}
}

// parseLength parses 1*DIGIT, refusing values that would overflow.
func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// noteCodings parses one Transfer-Encoding field; several fields form one
// list.
func (f *framing) noteCodings(value []byte) error {
	f.coding = true
	for list := value; list != nil; {
		var elem []byte
		elem, list = nextElement(list)
		switch {
		case len(elem) == 0:
			continue
		case equalFold(elem, "chunked"):
			if f.chunkedLast {
				return ErrTransferEncoding // chunked twice
			}
			f.chunkedLast = true
		default:
			// transfer-coding = token *( OWS ";" OWS transfer-parameter ):
			// a coding we do not know is a 501, one that is not even
			// that is a malformed field.
			if n := tokenLen(elem); n == 0 || !validParams(elem[n:], true) {
				return ErrHeader
			}
			f.chunkedLast = false
			f.unknownCoding = true
		}
	}
	return nil
}

// connectionOptions notes the options of Connection = #connection-option,
// each a token (RFC 9110 §7.6.1).
func (f *framing) connectionOptions(value []byte) error {
	for list := value; list != nil; {
		var elem []byte
		elem, list = nextElement(list)
		switch {
		case equalFold(elem, "close"):
			f.close = true
		case equalFold(elem, "keep-alive"):
			f.keepAlive = true
		case len(elem) > 0 && !isToken(elem):
			return ErrHeader
		}
	}
	return nil
}

// frame decides, once the header is complete, how the body is delimited.
func (r *Request) frame(f *framing, maxBody int64) error {
	if r.ProtoMinor == 1 && !f.host {
		return ErrMissingHost
	}
	r.KeepAlive = !f.close && (r.ProtoMinor == 1 || f.keepAlive)
	if f.coding {
		switch {
		case f.length:
			// The classic smuggling vector: two framings, and no way
			// to know which one a proxy in front of us used.
			return ErrLengthAndCoding
		case r.ProtoMinor == 0:
			// RFC 9112 §6.1: an HTTP/1.0 message with
			// Transfer-Encoding has faulty framing.
			return ErrTransferEncoding
		case f.unknownCoding:
			return ErrUnknownCoding
		case !f.chunkedLast:
			return ErrTransferEncoding
		}
		r.Chunked, r.ContentLength = true, -1
		return nil
	}
	if r.ContentLength > maxBody {
		return ErrBodyTooLarge
	}
	return nil
}
