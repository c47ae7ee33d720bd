package http1_test

import (
	"bytes"
	"testing"

	"github.com/netloop/netloop/codec/http1"
)

// FuzzParse checks, for any input, that Parse never panics, that a
// rejection carries a status the server can send, and that feeding the
// input one byte at a time (as a slow client does) gives exactly the result
// of parsing it whole.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET http://a/b?c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
		"\r\nOPTIONS * HTTP/1.1\r\nHost: a\r\n X: y\r\n\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
		"\x00\x00\x00\x00",
		"GET http://[::ffff:192.0.2.1]:80/ HTTP/1.1\r\nHost: [v1.x]:8\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;q=\"1\", chunked\r\n\r\n1 ; a = \"b\\\"c\"\r\nx\r\n0;z\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p := http1.Parser{MaxHeaderBytes: 512, MaxBodyBytes: 256}
		var r http1.Request
		n, err := p.Parse(in, &r)
		if n < 0 || n > len(in) || (n > 0 && err != nil) {
			t.Fatalf("Parse = %d, %v for %d bytes", n, err, len(in))
		}
		if err != nil {
			switch e := err.(*http1.Error); e.Status {
			case 400, 413, 414, 431, 501, 505:
			default:
				t.Fatalf("status %d", e.Status)
			}
		}
		body := bytes.Clone(r.Body)
		path := string(r.Path)

		var q http1.Parser = http1.Parser{MaxHeaderBytes: 512, MaxBodyBytes: 256}
		for k := 1; k <= len(in); k++ {
			m, qerr := q.Parse(in[:k], &r)
			if m == 0 && qerr == nil {
				continue
			}
			if qerr != err || m != n {
				t.Fatalf("after %d bytes: %d, %v; whole input: %d, %v", k, m, qerr, n, err)
			}
			if m > 0 && (k != m || !bytes.Equal(r.Body, body) || string(r.Path) != path) {
				t.Fatalf("byte by byte: request of %d bytes at %d, body %q path %q; whole: body %q path %q", m, k, r.Body, r.Path, body, path)
			}
			return
		}
		if n != 0 || err != nil {
			t.Fatalf("byte by byte never completed; whole input: %d, %v", n, err)
		}
	})
}
