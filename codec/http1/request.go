package http1

// MaxHeaders is the most header (and trailer) fields a Request holds; a
// request with more is rejected with ErrTooManyHeaders. A fixed array keeps
// parsing free of allocations.
const MaxHeaders = 64

// Header is one header or trailer field. Name and Value are views into the
// parsed input; Value has surrounding whitespace removed.
type Header struct {
	Name, Value []byte
}

// Request is a parsed request. Every []byte field is a view into the input
// given to Parse (except a chunked Body, see below) and is valid only until
// that input is consumed. A Request may be reused: Parse resets it.
type Request struct {
	Method []byte // a token, such as GET; compare with string(r.Method) == "GET"
	Target []byte // the request target as sent: origin-form, absolute-form or "*"
	Path   []byte // the path of Target, without the query; "/" for an absolute-form target without one
	Query  []byte // what follows "?" in Target, without the "?"; nil if none
	Host   []byte // the Host header, or the authority of an absolute-form target

	// ProtoMinor is the minor HTTP version: 0 or 1 (higher minor versions
	// of HTTP/1 are treated as 1).
	ProtoMinor int

	// KeepAlive reports whether the connection may carry another request
	// after this one: HTTP/1.1 unless "Connection: close", HTTP/1.0 only
	// with "Connection: keep-alive".
	KeepAlive bool

	// ExpectContinue reports "Expect: 100-continue": the client waits for
	// an interim 100 response before sending the body.
	ExpectContinue bool

	// ContentLength is the body length from Content-Length, or -1 when the
	// body is chunked. Zero when the request has no body.
	ContentLength int64
	Chunked       bool // Transfer-Encoding: chunked

	// Body is the request body. For a chunked request it is decoded into a
	// buffer the Request owns and reuses, valid until the next Parse.
	Body []byte

	// HeaderLen is the length of the request line and header section. It
	// is set as soon as the header is complete, even when Parse still
	// needs the body, so a server can answer Expect: 100-continue.
	HeaderLen int

	fields   [MaxHeaders]Header
	nfields  int // header fields, then trailer fields
	ntrailer int
	buf      []byte // decoded chunked body
}

// Headers returns the header fields in the order received.
func (r *Request) Headers() []Header { return r.fields[:r.nfields-r.ntrailer] }

// Trailers returns the trailer fields of a chunked request.
func (r *Request) Trailers() []Header { return r.fields[r.nfields-r.ntrailer : r.nfields] }

// Header returns the value of the first header field named name, compared
// without regard to case, and whether there was one. name must be lower case.
func (r *Request) Header(name string) ([]byte, bool) {
	for _, f := range r.Headers() {
		if equalFold(f.Name, name) {
			return f.Value, true
		}
	}
	return nil, false
}

func (r *Request) reset() {
	// Field by field, so that the field array is not cleared: it is
	// overwritten before it is read.
	r.Method, r.Target, r.Path, r.Query, r.Host = nil, nil, nil, nil, nil
	r.ProtoMinor, r.KeepAlive, r.ExpectContinue = 0, false, false
	r.ContentLength, r.Chunked, r.Body, r.HeaderLen = 0, false, nil, 0
	r.nfields, r.ntrailer = 0, 0
}

func (r *Request) addField(name, value []byte, trailer bool) error {
	if r.nfields == MaxHeaders {
		return ErrTooManyHeaders
	}
	r.fields[r.nfields] = Header{Name: name, Value: value}
	r.nfields++
	if trailer {
		r.ntrailer++
	}
	return nil
}
