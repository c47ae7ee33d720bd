package http1

import "testing"

// FuzzRequestLine checks what lets Parse skip checkRequestLine for a
// complete request line: any line parseRequestLine accepts,
// checkRequestLine accepts too, so the early check could never have
// refused it.
func FuzzRequestLine(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1",
		"OPTIONS * HTTP/1.0",
		"GET http://a:80/b?c HTTP/1.1",
		"GET http://[::1]/ HTTP/1.9",
		"G\x00T / HTTP/1.1",
		"GET /a b HTTP/1.1",
		"GET / HTTP/2.0",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Request
		if r.parseRequestLine(line) != nil {
			return
		}
		if err := checkRequestLine(append(line, "\r\n"...)); err != nil {
			t.Fatalf("parseRequestLine accepts %q, checkRequestLine says %v", line, err)
		}
	})
}
