package http1_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/netloop/netloop/codec/http1"
)

// sameErr compares a Parse error with a table's expectation, where a nil
// *http1.Error means none.
func sameErr(err error, want *http1.Error) bool {
	if want == nil {
		return err == nil
	}
	return err == want
}

// parseOne parses in, given with "\n" for CRLF, with a fresh parser.
func parseOne(in string) (int, *http1.Request, error) {
	var p http1.Parser
	var r http1.Request
	n, err := p.Parse([]byte(crlf(in)), &r)
	return n, &r, err
}

// TestFieldValueGrammar: RFC 9110 §5.5, field-value = *field-content, where
// field-content is field-vchar (VCHAR, obs-text) with SP and HTAB between.
// CR, LF and NUL MUST be rejected or replaced; other CTLs are invalid too, and
// this parser rejects them all rather than pass them to an application.
func TestFieldValueGrammar(t *testing.T) {
	type tc struct {
		name  string
		value string
		want  string // the parsed value, if accepted
		err   *http1.Error
	}
	tests := []tc{
		{name: "§5.5 visible ASCII", value: `a!"#$%&'()*+,-./09:;<=>?@AZ[\]^_` + "`az{|}~", want: `a!"#$%&'()*+,-./09:;<=>?@AZ[\]^_` + "`az{|}~"},
		{name: "§5.5 SP and HTAB inside", value: "a \t b", want: "a \t b"},
		{name: "§5.5 obs-text", value: "caf\xc3\xa9 \x80\xff", want: "caf\xc3\xa9 \x80\xff"},
		{name: "§5.5 surrounding whitespace is not part of the value", value: " \t a \t ", want: "a"},
		{name: "§5.5 empty value", value: "", want: ""},
		{name: "§5.5 DEL", value: "a\x7fb", err: http1.ErrHeader},
		{name: "§5.5 bare CR", value: "a\rb", err: http1.ErrHeader},
	}
	for c := 0; c < 0x20; c++ {
		if c == '\t' || c == '\r' || c == '\n' {
			continue // HTAB is allowed; CR and LF end lines
		}
		tests = append(tests, tc{name: fmt.Sprintf("§5.5 CTL %#02x", c), value: "a" + string(rune(c)) + "b", err: http1.ErrHeader})
		tests = append(tests, tc{name: fmt.Sprintf("§5.5 CTL %#02x alone", c), value: string(rune(c)), err: http1.ErrHeader})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, section := range []string{"header", "trailer"} {
				in := "GET / HTTP/1.1\nHost: a\nX-V: " + tt.value + "\n\n"
				if section == "trailer" {
					in = "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n0\nX-V: " + tt.value + "\n\n"
				}
				in = crlf(in)
				var p http1.Parser
				var r http1.Request
				_, err := p.Parse([]byte(in), &r)
				if tt.err != nil {
					if err != tt.err {
						t.Errorf("%s: err = %v, want %v", section, err, tt.err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", section, err)
				}
				fields := r.Headers()
				if section == "trailer" {
					fields = r.Trailers()
				}
				if got := string(fields[len(fields)-1].Value); got != tt.want {
					t.Errorf("%s: value %q, want %q", section, got, tt.want)
				}
			}
		})
	}
}

// TestHostGrammar: RFC 9112 §3.2, Host = uri-host [ ":" port ], with
// uri-host and port from RFC 3986 §3.2.2-3; no userinfo (RFC 9110 §4.2.4),
// no empty host when there is a value (RFC 9110 §4.2.1).
func TestHostGrammar(t *testing.T) {
	tests := []struct {
		host string
		ok   bool
	}{
		{"example.org", true},
		{"Example.ORG:8080", true},
		{"example.org:", true}, // port = *DIGIT
		{"192.0.2.1:80", true},
		{"localhost", true},
		{"ex%41mple.org", true},           // pct-encoded
		{"%41%42.example:1", true},        // pct-encoded first, twice over
		{"example%41", true},              // pct-encoded last
		{"a-b_c~d.!$&'()*+,;=", true},     // unreserved and sub-delims
		{"[::1]", true},                   // IP-literal
		{"[::1]:8080", true},              //
		{"[2001:db8:0:0:1:0:0:1]", true},  // eight pieces
		{"[2001:db8::1]", true},           //
		{"[::]", true},                    //
		{"[1::]", true},                   //
		{"[::ffff:192.0.2.1]", true},      // IPv4 in the last 32 bits
		{"[1:2:3:4:5:6:192.0.2.1]", true}, //
		{"[v1.fe80::a+en1]", true},        // IPvFuture
		{"", true},                        // the target URI has no authority
		{"user@example.org", false},
		{"example.org/path", false},
		{"example.org?q", false},
		{"example.org#f", false},
		{"exa mple.org", false},
		{"exa\"mple.org", false},
		{"exa<mple>.org", false},
		{"example.org:80a", false},
		{"example.org:80:80", false},
		{":80", false},
		{"ex%4", false},
		{"example%4:80", false},
		{"ex%zzample", false},
		{"[::1", false},
		{"::1", false},
		{"[::1]x", false},
		{"[::1]:8x", false},
		{"[]", false},
		{"[1:2:3:4:5:6:7:8:9]", false},
		{"[1:2:3:4:5:6:7]", false},
		{"[1::2::3]", false},
		{"[1:::2]", false},
		{"[12345::]", false},
		{"[:1]", false},
		{"[1:]", false},
		{"[::1.2.3.256]", false},
		{"[::1.2.3.04]", false},
		{"[::1.2.3]", false},
		{"[1.2.3.4::]", false},
		{"[g::1]", false},
		{"[v.x]", false},
		{"[vz.x]", false},
		{"[v1.]", false},
		{"[v1.x/y]", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			_, r, err := parseOne("GET / HTTP/1.1\nHost: " + tt.host + "\n\n")
			if tt.ok && (err != nil || string(r.Host) != tt.host) {
				t.Errorf("Host %q: err %v, host %q", tt.host, err, r.Host)
			}
			if !tt.ok && err != http1.ErrHost {
				t.Errorf("Host %q: err %v, want %v", tt.host, err, http1.ErrHost)
			}
			if tt.host == "" || strings.ContainsAny(tt.host, "/?#") {
				return // in a target, these end the authority
			}
			// RFC 9112 §3.2.2: the authority of an absolute-form target
			// obeys the same grammar.
			_, r, err = parseOne("GET http://" + tt.host + "/x HTTP/1.1\nHost: a\n\n")
			if tt.ok && (err != nil || string(r.Host) != tt.host) {
				t.Errorf("target authority %q: err %v, host %q", tt.host, err, r.Host)
			}
			if !tt.ok && err == nil {
				t.Errorf("target authority %q accepted", tt.host)
			}
		})
	}
}

// TestChunkedGrammar: RFC 9112 §7.1 and §7.1.1,
//
//	chunk     = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//
// with chunk-ext-val a token or a quoted-string. Any other size line is
// ambiguous framing, the stuff of request smuggling, and rejected.
func TestChunkedGrammar(t *testing.T) {
	tests := []struct {
		name string
		size string // the size line of a 5-byte chunk
		ok   bool
	}{
		{"§7.1 hex size", "5", true},
		{"§7.1 upper-case hex", "0005", true},
		{"§7.1.1 extension name", "5;a", true},
		{"§7.1.1 extension value", "5;a=b", true},
		{"§7.1.1 several extensions", "5;a;b=c;d=e", true},
		{"§7.1.1 BWS around ; and =", "5 ;\ta = b ; c", true},
		{"§7.1.1 quoted value", `5;a="x y;z"`, true},
		{"§7.1.1 quoted-pair", `5;a="x\"y\\"`, true},
		{"§7.1.1 quoted obs-text", "5;a=\"\x80\"", true},
		{"§7.1 whitespace after the size", "5 ", false},
		{"§7.1 tab after the size", "5\t", false},
		{"§7.1 whitespace before the size", " 5", false},
		{"§7.1 no size", ";a", false},
		{"§7.1 0x prefix", "0x5", false},
		{"§7.1 junk after the size", "5x", false},
		{"§7.1 two sizes", "5 5", false},
		{"§7.1 comma", "5,6", false},
		{"§7.1.1 empty extension", "5;", false},
		{"§7.1.1 empty extensions", "5;;a", false},
		{"§7.1.1 empty name", "5;=b", false},
		{"§7.1.1 empty value", "5;a=", false},
		{"§7.1.1 whitespace after the name", "5;a ", false},
		{"§7.1.1 whitespace after the value", "5;a=b ", false},
		{"§7.1.1 name not a token", "5;a(b)", false},
		{"§7.1.1 value not a token", "5;a=b/c", false},
		{"§7.1.1 two values", "5;a=b c", false},
		{"§7.1.1 unbalanced quote", `5;a="xyz`, false},
		{"§7.1.1 escaped closing quote", `5;a="xyz\"`, false},
		{"§7.1.1 text after the quote", `5;a="x"y`, false},
		{"§7.1.1 control in a quoted value", "5;a=\"x\x01\"", false},
		{"§7.1.1 quoted-pair of a control", "5;a=\"\\\x01\"", false},
		{"§7.1.1 extension without ;", "5 a=b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n" + tt.size + "\nhello\n0\n\n"
			n, r, err := parseOne(in)
			if tt.ok && (err != nil || n != len(crlf(in)) || string(r.Body) != "hello") {
				t.Errorf("size line %q: n %d err %v body %q", tt.size, n, err, r.Body)
			}
			if !tt.ok && err != http1.ErrChunk {
				t.Errorf("size line %q: err %v, want %v", tt.size, err, http1.ErrChunk)
			}
			// The last chunk takes extensions by the same grammar.
			last := "0" + strings.TrimLeft(tt.size, "05")
			if strings.HasPrefix(tt.size, "0x") || strings.HasPrefix(tt.size, " ") || strings.HasPrefix(tt.size, ";") {
				return
			}
			in = "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n" + last + "\n\n"
			if _, _, err := parseOne(in); (err == nil) != tt.ok {
				t.Errorf("last chunk %q: err %v", last, err)
			}
		})
	}
}

// TestFramingFieldGrammar: the fields that decide framing hold lists of
// tokens (RFC 9112 §6.1 Transfer-Encoding, RFC 9110 §7.6.1 Connection); a
// value outside that grammar is malformed, not an unknown coding or option.
func TestFramingFieldGrammar(t *testing.T) {
	tests := []struct {
		name  string
		field string
		err   *http1.Error
	}{
		{"§6.1 chunked", "Transfer-Encoding: chunked", nil},
		{"§6.1 empty list elements", "Transfer-Encoding: , chunked ,", nil},
		{"§6.1 unknown coding with parameters", "Transfer-Encoding: gzip;level=1, chunked", http1.ErrUnknownCoding},
		{"§6.1 chunked with a parameter is not chunked", "Transfer-Encoding: chunked;x=1", http1.ErrUnknownCoding},
		{"§6.1 coding not a token", "Transfer-Encoding: chu(nked)", http1.ErrHeader},
		{"§6.1 space inside a coding", "Transfer-Encoding: chun ked", http1.ErrHeader},
		{"§6.1 parameter without value", "Transfer-Encoding: gzip;level, chunked", http1.ErrHeader},
		{"§6.1 vertical tab", "Transfer-Encoding: chunked\x0b", http1.ErrHeader},
		{"§7.6.1 options", "Connection: keep-alive, Upgrade", nil},
		{"§7.6.1 option not a token", "Connection: clo/se", http1.ErrHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			field := tt.field
			if strings.HasPrefix(field, "Connection") {
				field += "\nTransfer-Encoding: chunked"
			}
			_, _, err := parseOne("POST / HTTP/1.1\nHost: a\n" + field + "\n\n0\n\n")
			if !sameErr(err, tt.err) {
				t.Errorf("%q: err %v, want %v", tt.field, err, tt.err)
			}
		})
	}
}

// TestRequestLineEarly: RFC 9112 §3, request-line = method SP
// request-target SP HTTP-version. Input that cannot be one (NUL bytes, a TLS
// ClientHello, a leading space, a target with a control character) is
// rejected at once, before any line feed arrives, rather than after a
// header timeout; and with the error the complete line would get.
func TestRequestLineEarly(t *testing.T) {
	clientHello := "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + strings.Repeat("\x5a", 32)
	tests := []struct {
		name string
		in   string // sent as is, without CRLF translation
		err  *http1.Error
	}{
		{"4 KiB of NUL", strings.Repeat("\x00", 4096), http1.ErrMethod},
		{"one NUL", "\x00", http1.ErrMethod},
		{"TLS ClientHello", clientHello, http1.ErrMethod},
		{"NUL inside the method", "GE\x00", http1.ErrMethod},
		{"bare CR inside the method", "GET\rX", http1.ErrMethod},
		{"§3 leading space", " GET / HTTP/1.1", http1.ErrRequestLine},
		{"§2.2 empty lines, then NUL", "\r\n\r\n\x00", http1.ErrMethod},
		{"a method so far", "GET", nil},
		{"CR that may end the line", "GET\r", nil},
		{"§2.2 an empty line so far", "\r\n\r", nil},
		{"NUL in the target", "GET /\x00", http1.ErrTarget},
		{"§3.2 fragment in the target", "GET /a#b", http1.ErrTarget},
		{"§3 two spaces", "GET  /", http1.ErrRequestLine},
		{"§2.3 not an HTTP version", "GET / HTTX", http1.ErrRequestLine},
		{"§2.3 version not a digit", "GET / HTTP/x", http1.ErrRequestLine},
		{"§2.3 version too long", "GET / HTTP/1.10", http1.ErrRequestLine},
		{"a method and target so far", "GET /index.html", nil},
		{"a version so far", "GET / HTTP/1", nil},
		{"a whole line but its LF", "GET / HTTP/1.1\r", nil},
		{"HTTP/2 preface so far", "PRI * HTTP/2.0", nil}, // a 505 when the line is complete
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p http1.Parser
			var r http1.Request
			n, err := p.Parse([]byte(tt.in), &r)
			if n != 0 || !sameErr(err, tt.err) {
				t.Errorf("Parse(%q) = %d, %v; want 0, %v", tt.in, n, err, tt.err)
			}
		})
	}
}

// TestRequestLineTooLong: RFC 9112 §3, a request target longer than the
// server will parse is a 414 and a method longer than any it implements a
// 501, whether or not the line has ended; a long header section is a 431.
func TestRequestLineTooLong(t *testing.T) {
	mib := strings.Repeat("a", 1<<20)
	tests := []struct {
		name   string
		in     string
		err    *http1.Error
		status int
	}{
		{"1 MiB target", "GET /" + mib + " HTTP/1.1\r\nHost: a\r\n\r\n", http1.ErrTargetTooLong, 414},
		{"1 MiB target, line incomplete", "GET /" + mib, http1.ErrTargetTooLong, 414},
		{"target just past the limit", "GET /" + strings.Repeat("a", 8192-5), http1.ErrTargetTooLong, 414},
		{"1 MiB method", strings.ToUpper(mib), http1.ErrMethodTooLong, 501},
		{"long version", "GET / HTTP/1.1" + mib, http1.ErrRequestLine, 400},
		{"long header, short line", "GET / HTTP/1.1\r\nHost: a\r\nX: " + mib, http1.ErrHeaderTooLarge, 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p http1.Parser
			var r http1.Request
			_, err := p.Parse([]byte(tt.in), &r)
			if err != tt.err || err.(*http1.Error).Status != tt.status {
				t.Errorf("err %v, want %v (%d)", err, tt.err, tt.status)
			}
		})
	}
	// A line that ends just within the limit is parsed.
	line := "GET /" + strings.Repeat("a", 8192-len("GET / HTTP/1.1\r\nHost: a\r\n\r\n")) + " HTTP/1.1\r\nHost: a\r\n\r\n"
	var p http1.Parser
	var r http1.Request
	if n, err := p.Parse([]byte(line), &r); n != len(line) || err != nil {
		t.Errorf("request of exactly the limit: %d, %v", n, err)
	}
}
