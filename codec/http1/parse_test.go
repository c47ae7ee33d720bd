package http1_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/netloop/netloop/codec/http1"
)

// crlf turns the readable "\n" of the test tables into the wire's CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name      string
		in        string // "\n" is sent as CRLF
		method    string
		path      string
		query     string
		host      string
		minor     int
		keepAlive bool
		body      string
		trailers  int
		extra     string // bytes after the request, left unconsumed
	}{
		{name: "RFC 9112 §3.2.1 origin-form", in: "GET /where?q=now HTTP/1.1\nHost: www.example.org\n\n",
			method: "GET", path: "/where", query: "q=now", host: "www.example.org", minor: 1, keepAlive: true},
		{name: "RFC 9112 §3.2.2 absolute-form overrides Host", in: "GET http://www.example.org/pub/WWW/TheProject.html HTTP/1.1\nHost: other\n\n",
			method: "GET", path: "/pub/WWW/TheProject.html", host: "www.example.org", minor: 1, keepAlive: true},
		{name: "absolute-form without path", in: "GET http://example.org?x HTTP/1.1\nHost: example.org\n\n",
			method: "GET", path: "/", query: "x", host: "example.org", minor: 1, keepAlive: true},
		{name: "RFC 9112 §3.2.4 asterisk-form", in: "OPTIONS * HTTP/1.1\nHost: www.example.org:8001\n\n",
			method: "OPTIONS", path: "*", host: "www.example.org:8001", minor: 1, keepAlive: true},
		{name: "HTTP/1.0 without Host closes", in: "GET / HTTP/1.0\n\n", method: "GET", path: "/"},
		{name: "HTTP/1.0 keep-alive", in: "GET / HTTP/1.0\nConnection: Keep-Alive\n\n", method: "GET", path: "/", keepAlive: true},
		{name: "HTTP/1.1 Connection close", in: "GET / HTTP/1.1\nHost: a\nConnection: foo, close\n\n",
			method: "GET", path: "/", host: "a", minor: 1},
		{name: "later minor version served as 1.1", in: "GET / HTTP/1.2\nHost: a\n\n", method: "GET", path: "/", host: "a", minor: 1, keepAlive: true},
		{name: "leading empty line ignored", in: "\nGET / HTTP/1.1\nHost: a\n\n", method: "GET", path: "/", host: "a", minor: 1, keepAlive: true},
		{name: "extension method", in: "PURGE /x HTTP/1.1\nHost: a\n\n", method: "PURGE", path: "/x", host: "a", minor: 1, keepAlive: true},
		{name: "whitespace around value", in: "GET / HTTP/1.1\nHost: \t a \t\n\n", method: "GET", path: "/", host: "a", minor: 1, keepAlive: true},
		{name: "empty Host", in: "GET / HTTP/1.1\nHost:\n\n", method: "GET", path: "/", host: "", minor: 1, keepAlive: true},
		{name: "Content-Length body", in: "POST /echo HTTP/1.1\nHost: a\nContent-Length: 5\n\nhelloGET", extra: "GET",
			method: "POST", path: "/echo", host: "a", minor: 1, keepAlive: true, body: "hello"},
		{name: "identical duplicate Content-Length", in: "POST / HTTP/1.1\nHost: a\nContent-Length: 2\ncontent-length: 2\n\nhi",
			method: "POST", path: "/", host: "a", minor: 1, keepAlive: true, body: "hi"},
		{name: "Content-Length list of one value", in: "POST / HTTP/1.1\nHost: a\nContent-Length: 2, 2\n\nhi",
			method: "POST", path: "/", host: "a", minor: 1, keepAlive: true, body: "hi"},
		{name: "RFC 9112 §7.1 chunked", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n4\nWiki\n5;ext=1\npedia\nE\n in\n\nchunks.\n0\n\n",
			method: "POST", path: "/", host: "a", minor: 1, keepAlive: true, body: "Wikipedia in\r\n\r\nchunks."},
		{name: "chunked trailer section", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: Chunked\n\n3\nabc\n0\nChecksum: x\nExpires: y\n\n",
			method: "POST", path: "/", host: "a", minor: 1, keepAlive: true, body: "abc", trailers: 2},
		{name: "empty chunked body", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n0\n\n",
			method: "POST", path: "/", host: "a", minor: 1, keepAlive: true},
	}
	var p http1.Parser
	var r http1.Request
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(crlf(tt.in))
			n, err := p.Parse(in, &r)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if want := len(in) - len(tt.extra); n != want {
				t.Fatalf("consumed %d, want %d", n, want)
			}
			got := []string{string(r.Method), string(r.Path), string(r.Query), string(r.Host), string(r.Body)}
			want := []string{tt.method, tt.path, tt.query, tt.host, tt.body}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("method|path|query|host|body = %q, want %q", got, want)
			}
			if r.ProtoMinor != tt.minor || r.KeepAlive != tt.keepAlive {
				t.Errorf("minor %d keep-alive %v, want %d %v", r.ProtoMinor, r.KeepAlive, tt.minor, tt.keepAlive)
			}
			if len(r.Trailers()) != tt.trailers {
				t.Errorf("%d trailers, want %d", len(r.Trailers()), tt.trailers)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	long := strings.Repeat("a", 9000)
	tests := []struct {
		name   string
		in     string // "\n" is sent as CRLF unless raw
		raw    bool
		err    *http1.Error
		status int
	}{
		{name: "missing Host in 1.1", in: "GET / HTTP/1.1\n\n", err: http1.ErrMissingHost, status: 400},
		{name: "two Hosts", in: "GET / HTTP/1.1\nHost: a\nHost: b\n\n", err: http1.ErrDuplicateHost, status: 400},
		{name: "Host with path", in: "GET / HTTP/1.1\nHost: a/b\n\n", err: http1.ErrHost, status: 400},
		{name: "whitespace before colon", in: "GET / HTTP/1.1\nHost : a\n\n", err: http1.ErrSpaceBeforeColon, status: 400},
		{name: "tab before colon", in: "GET / HTTP/1.1\nHost:a\nX\t: b\n\n", err: http1.ErrSpaceBeforeColon, status: 400},
		{name: "obs-fold", in: "GET / HTTP/1.1\nHost: a\nX: b\n c\n\n", err: http1.ErrObsFold, status: 400},
		{name: "whitespace before first field", in: "GET / HTTP/1.1\n Host: a\n\n", err: http1.ErrObsFold, status: 400},
		{name: "field without colon", in: "GET / HTTP/1.1\nHost a\n\n", err: http1.ErrHeader, status: 400},
		{name: "NUL in value", in: "GET / HTTP/1.1\nHost: a\nX: a\x00b\n\n", err: http1.ErrHeader, status: 400},
		{name: "bare CR in value", in: "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", raw: true, err: http1.ErrHeader, status: 400},
		{name: "bare LF line ending", in: "GET / HTTP/1.1\nHost: a\n\n", raw: true, err: http1.ErrLineEnding, status: 400},
		{name: "Content-Length not a number", in: "POST / HTTP/1.1\nHost: a\nContent-Length: 1x\n\n", err: http1.ErrContentLength, status: 400},
		{name: "negative Content-Length", in: "POST / HTTP/1.1\nHost: a\nContent-Length: -1\n\n", err: http1.ErrContentLength, status: 400},
		{name: "plus-signed Content-Length", in: "POST / HTTP/1.1\nHost: a\nContent-Length: +1\n\n", err: http1.ErrContentLength, status: 400},
		{name: "empty Content-Length", in: "POST / HTTP/1.1\nHost: a\nContent-Length:\n\n", err: http1.ErrContentLength, status: 400},
		{name: "overflowing Content-Length", in: "POST / HTTP/1.1\nHost: a\nContent-Length: 99999999999999999999\n\n", err: http1.ErrContentLength, status: 400},
		{name: "differing duplicate Content-Length", in: "POST / HTTP/1.1\nHost: a\nContent-Length: 1\nContent-Length: 2\n\nab", err: http1.ErrLengthMismatch, status: 400},
		{name: "differing Content-Length list", in: "POST / HTTP/1.1\nHost: a\nContent-Length: 1, 2\n\nab", err: http1.ErrLengthMismatch, status: 400},
		{name: "Content-Length and chunked", in: "POST / HTTP/1.1\nHost: a\nContent-Length: 3\nTransfer-Encoding: chunked\n\n0\n\n", err: http1.ErrLengthAndCoding, status: 400},
		{name: "chunked and Content-Length", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\nContent-Length: 3\n\n0\n\n", err: http1.ErrLengthAndCoding, status: 400},
		{name: "chunked not last", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked, chunked\n\n", err: http1.ErrTransferEncoding, status: 400},
		{name: "Transfer-Encoding in 1.0", in: "POST / HTTP/1.0\nTransfer-Encoding: chunked\n\n0\n\n", err: http1.ErrTransferEncoding, status: 400},
		{name: "unknown transfer coding", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: gzip, chunked\n\n", err: http1.ErrUnknownCoding, status: 501},
		{name: "unknown coding alone", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: identity\n\n", err: http1.ErrUnknownCoding, status: 501},
		{name: "bad chunk size", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\nzz\n", err: http1.ErrChunk, status: 400},
		{name: "chunk data overruns", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n1\nabc\n0\n\n", err: http1.ErrChunk, status: 400},
		{name: "chunk size overflow", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\nffffffffffffffffff\n", err: http1.ErrChunk, status: 400},
		{name: "HTTP/2.0", in: "GET / HTTP/2.0\nHost: a\n\n", err: http1.ErrVersion, status: 505},
		{name: "HTTP/0.9", in: "GET / HTTP/0.9\n\n", err: http1.ErrVersion, status: 505},
		{name: "malformed version", in: "GET / HTTP/1.1x\nHost: a\n\n", err: http1.ErrRequestLine, status: 400},
		{name: "lower-case version", in: "GET / http/1.1\nHost: a\n\n", err: http1.ErrRequestLine, status: 400},
		{name: "two spaces", in: "GET  / HTTP/1.1\nHost: a\n\n", err: http1.ErrRequestLine, status: 400},
		{name: "no version", in: "GET /\n\n", err: http1.ErrRequestLine, status: 400},
		{name: "method not a token", in: "G(T / HTTP/1.1\nHost: a\n\n", err: http1.ErrMethod, status: 400},
		{name: "target with fragment", in: "GET /a#b HTTP/1.1\nHost: a\n\n", err: http1.ErrTarget, status: 400},
		{name: "target with control", in: "GET /a\x01 HTTP/1.1\nHost: a\n\n", err: http1.ErrTarget, status: 400},
		{name: "relative target", in: "GET a/b HTTP/1.1\nHost: a\n\n", err: http1.ErrTarget, status: 400},
		{name: "asterisk for GET", in: "GET * HTTP/1.1\nHost: a\n\n", err: http1.ErrTarget, status: 400},
		{name: "CONNECT", in: "CONNECT example.org:443 HTTP/1.1\nHost: example.org:443\n\n", err: http1.ErrConnect, status: 501},
		{name: "header too large", in: "GET / HTTP/1.1\nHost: a\nX: " + long + "\n\n", err: http1.ErrHeaderTooLarge, status: 431},
		{name: "header too large while incomplete", in: "GET / HTTP/1.1\nX: " + long, err: http1.ErrHeaderTooLarge, status: 431},
		{name: "too many fields", in: "GET / HTTP/1.1\n" + strings.Repeat("X: y\n", http1.MaxHeaders+1) + "\n", err: http1.ErrTooManyHeaders, status: 431},
		{name: "body too large", in: "POST / HTTP/1.1\nHost: a\nContent-Length: 2000000\n\n", err: http1.ErrBodyTooLarge, status: 413},
		{name: "chunked body too large", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n200000\n", err: http1.ErrBodyTooLarge, status: 413},
		{name: "empty lines past the header limit", in: strings.Repeat("\n", 4097) + "GET / HTTP/1.1\nHost: a\n\n", err: http1.ErrHeaderTooLarge, status: 431},
		{name: "NUL in a trailer name", in: chunkedPrefix + "Bad\x00Name: v\n\n", err: http1.ErrHeader, status: 400},
		{name: "bare LF in trailers", in: chunkedPrefix + "X: a\r\nY: b\n\n", raw: true, err: http1.ErrLineEnding, status: 400},
		{name: "obs-fold in trailers", in: chunkedPrefix + " folded\n\n", err: http1.ErrObsFold, status: 400},
		{name: "space before colon in a trailer", in: chunkedPrefix + "X : v\n\n", err: http1.ErrSpaceBeforeColon, status: 400},
		{name: "trailers too large", in: chunkedPrefix + "X: " + long + "\n\n", err: http1.ErrHeaderTooLarge, status: 431},
		{name: "chunk framing out of proportion", in: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n" + strings.Repeat("1;"+strings.Repeat("e", 1000)+"\nx\n", 20), err: http1.ErrChunkOverhead, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if !tt.raw {
				in = crlf(in)
			}
			var p http1.Parser
			var r http1.Request
			n, err := p.Parse([]byte(in), &r)
			if n != 0 || err != tt.err {
				t.Fatalf("Parse = %d, %v; want 0, %v", n, err, tt.err)
			}
			var e *http1.Error
			if !errors.As(err, &e) || e.Status != tt.status {
				t.Fatalf("status %d, want %d", e.Status, tt.status)
			}
		})
	}
}

// chunkedPrefix is a chunked request up to its trailer section.
const chunkedPrefix = "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n1\nx\n0\n"

// TestExpectContinueNeedsHTTP11: RFC 9110 §10.1.1 has servers ignore the
// expectation from HTTP/1.0 clients.
func TestExpectContinueNeedsHTTP11(t *testing.T) {
	for _, tc := range []struct {
		version string
		want    bool
	}{{"HTTP/1.1", true}, {"HTTP/1.0", false}} {
		var p http1.Parser
		var r http1.Request
		in := crlf("POST / " + tc.version + "\nHost: a\nExpect: 100-continue\nContent-Length: 5\n\n")
		if _, err := p.Parse([]byte(in), &r); err != nil || r.ExpectContinue != tc.want {
			t.Errorf("%s: ExpectContinue = %v (%v), want %v", tc.version, r.ExpectContinue, err, tc.want)
		}
	}
}

// TestParseDribbledBody: a Content-Length body arriving a byte at a time
// is waited for, with the header length reported each time, and comes out
// whole. BenchmarkParseDribbledBody shows that each wait is cheap.
func TestParseDribbledBody(t *testing.T) {
	in := []byte(dribbleHeader)
	var p http1.Parser
	var r http1.Request
	for range 1000 {
		if n, err := p.Parse(in, &r); n != 0 || err != nil || r.HeaderLen != len(dribbleHeader) {
			t.Fatalf("Parse mid-body = %d, %v, HeaderLen %d", n, err, r.HeaderLen)
		}
		in = append(in, 'b')
	}
	n, err := p.Parse(in, &r)
	if n != len(in) || err != nil || len(r.Body) != 1000 {
		t.Fatalf("Parse of the whole = %d, %v, body %d bytes", n, err, len(r.Body))
	}
}

// dribbleHeader is a 5.6 KB header announcing a 1000-byte body.
var dribbleHeader = crlf("POST / HTTP/1.1\nHost: a\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 90)+"\n", 60) + "Content-Length: 1000\n\n")

// BenchmarkParseDribbledBody measures one Parse call while a body trickles
// in: the header, parsed once, is not parsed again on every read.
func BenchmarkParseDribbledBody(b *testing.B) {
	in := []byte(dribbleHeader + "bbb")
	var p http1.Parser
	var r http1.Request
	p.Parse(in, &r)
	b.ReportAllocs()
	for b.Loop() {
		if n, err := p.Parse(in, &r); n != 0 || err != nil {
			b.Fatal(n, err)
		}
	}
}

// TestParseIncremental feeds requests one byte at a time, as a slow client
// would, keeping unconsumed bytes the way OnData does, and checks that every
// request comes out whole and in order.
func TestParseIncremental(t *testing.T) {
	stream := crlf("GET /1 HTTP/1.1\nHost: a\n\n" +
		"POST /2 HTTP/1.1\nHost: a\nContent-Length: 3\n\nabc" +
		"POST /3 HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n2\nde\n1;x\nf\n0\nT: v\n\n" +
		"GET /4 HTTP/1.0\n\n")
	want := []string{"/1 ", "/2 abc", "/3 def", "/4 "}
	for _, step := range []int{1, 2, 7, len(stream)} {
		var p http1.Parser
		var r http1.Request
		var got []string
		var pending []byte
		for i := 0; i < len(stream); i += step {
			pending = append(pending, stream[i:min(i+step, len(stream))]...)
			for {
				n, err := p.Parse(pending, &r)
				if err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				if n == 0 {
					break
				}
				got = append(got, string(r.Path)+" "+string(r.Body))
				pending = pending[n:]
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") || len(pending) != 0 {
			t.Errorf("step %d: got %q (%d bytes left), want %q", step, got, len(pending), want)
		}
	}
}

func TestParseHeaderCompleteBeforeBody(t *testing.T) {
	in := []byte(crlf("PUT /x HTTP/1.1\nHost: a\nExpect: 100-continue\nContent-Length: 10\n\nabc"))
	var p http1.Parser
	var r http1.Request
	n, err := p.Parse(in, &r)
	if n != 0 || err != nil {
		t.Fatalf("Parse = %d, %v; want need more", n, err)
	}
	if !r.ExpectContinue || r.HeaderLen != len(in)-3 {
		t.Fatalf("ExpectContinue %v HeaderLen %d, want true %d", r.ExpectContinue, r.HeaderLen, len(in)-3)
	}
}

func TestRequestHeader(t *testing.T) {
	in := []byte(crlf("GET / HTTP/1.1\nHost: a\nX-Token: one\nx-token: two\n\n"))
	var p http1.Parser
	var r http1.Request
	if _, err := p.Parse(in, &r); err != nil {
		t.Fatal(err)
	}
	if v, ok := r.Header("x-token"); !ok || string(v) != "one" {
		t.Errorf("Header(x-token) = %q, %v", v, ok)
	}
	if _, ok := r.Header("missing"); ok {
		t.Error("Header(missing) found")
	}
	if len(r.Headers()) != 3 {
		t.Errorf("%d headers, want 3", len(r.Headers()))
	}
}

func TestParseAllocs(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{name: "plaintext", in: "GET / HTTP/1.1\nHost: localhost:8080\nUser-Agent: wrk\nAccept: */*\n\n"},
		{name: "content-length", in: "POST /echo HTTP/1.1\nHost: a\nContent-Length: 5\n\nhello"},
		{name: "chunked", in: "POST /echo HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n5\nhello\n0\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(crlf(tt.in))
			var p http1.Parser
			var r http1.Request
			p.Parse(in, &r) // let the chunked body buffer grow once
			allocs := testing.AllocsPerRun(100, func() {
				if n, err := p.Parse(in, &r); n != len(in) || err != nil {
					t.Fatalf("Parse = %d, %v", n, err)
				}
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per request, want 0", allocs)
			}
		})
	}
}

// BenchmarkParseBrowser parses the request a browser sends: long field
// values (user agent, accept lists, cookies) are most of its bytes.
func BenchmarkParseBrowser(b *testing.B) {
	benchParse(b, crlf("GET /account/orders?page=2 HTTP/1.1\nHost: shop.example.com\n"+
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\n"+
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\n"+
		"Accept-Language: en-GB,en;q=0.9,de;q=0.8\nAccept-Encoding: gzip, deflate, br, zstd\n"+
		"Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark; consent=analytics%3Dno%26ads%3Dno; cart=3\n"+
		"Referer: https://shop.example.com/account\nSec-Fetch-Mode: navigate\nConnection: keep-alive\n\n"))
}

// BenchmarkParseWrk parses the request wrk sends by default, the one the
// benchmark's HTTP scenarios load the server with.
func BenchmarkParseWrk(b *testing.B) {
	benchParse(b, "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")
}

func BenchmarkParse(b *testing.B) {
	benchParse(b, crlf("GET /plaintext HTTP/1.1\nHost: localhost:8080\nUser-Agent: Mozilla/5.0\nAccept: text/plain,text/html;q=0.9\nConnection: keep-alive\n\n"))
}

// benchParse parses the complete request req again and again.
func benchParse(b *testing.B, req string) {
	in := []byte(req)
	var p http1.Parser
	var r http1.Request
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := p.Parse(in, &r); err != nil {
			b.Fatal(err)
		}
	}
}
