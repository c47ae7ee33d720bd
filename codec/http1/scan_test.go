package http1

import (
	"bytes"
	"testing"
)

// FuzzScan checks the one-pass scanners against the careful path they
// stand in for: whatever scanRequestLine or scanField accepts, nextLine
// with parseRequestLine or splitField must accept too, with the same
// fields and the same offset after the line. Parse's results then cannot
// depend on which path a line took.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\n",
		"GET /a?b?c HTTP/1.0\r\n",
		"GET /x HTTP/1.9\r\nHost: a\r\n",
		"Host: 127.0.0.1:8080\r\n",
		"User-Agent: \tMozilla/5.0 (X11; Linux x86_64) \t \r\n",
		"X:\r\n",
		"X: a\rb\r\n",
		"X: a\x7f\r\n",
		"X: caf\xc3\xa9\r\n",
		"X: abcdefghij\tklmnopqrstu\r\n", // HTAB past the first word
		"X: abcdefghi\x7fj\r\n",
		"X: abcdefghijklmnop\r\n", // ends on a word boundary
		"GET  / HTTP/1.1\r\n",
		"GET /#f HTTP/1.1\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if next, ok := new(Request).scanRequestLine(in, 0); ok {
			var fast, careful Request
			fast.scanRequestLine(in, 0)
			line, want, err := nextLine(in, 0, len(in)+1, ErrHeaderTooLarge)
			if line == nil || err != nil {
				t.Fatalf("scanRequestLine took %q, nextLine: %v", in, err)
			}
			if err := careful.parseRequestLine(line); err != nil {
				t.Fatalf("scanRequestLine took %q, parseRequestLine: %v", in, err)
			}
			if next != want || !sameRequestLine(&fast, &careful) {
				t.Fatalf("%q: scanRequestLine %+v next %d, careful %+v next %d", in, fast, next, careful, want)
			}
		}
		if name, value, next, ok := scanField(in, 0); ok {
			line, want, err := nextLine(in, 0, len(in)+1, ErrHeaderTooLarge)
			if line == nil || err != nil {
				t.Fatalf("scanField took %q, nextLine: %v", in, err)
			}
			n, v, err := splitField(line)
			if err != nil {
				t.Fatalf("scanField took %q, splitField: %v", in, err)
			}
			if next != want || !bytes.Equal(n, name) || !bytes.Equal(v, value) {
				t.Fatalf("%q: scanField %q %q next %d, careful %q %q next %d", in, name, value, next, n, v, want)
			}
		}
	})
}

func sameRequestLine(a, b *Request) bool {
	return bytes.Equal(a.Method, b.Method) && bytes.Equal(a.Target, b.Target) &&
		bytes.Equal(a.Path, b.Path) && bytes.Equal(a.Query, b.Query) &&
		(a.Query == nil) == (b.Query == nil) && a.ProtoMinor == b.ProtoMinor
}
