package resp

import "testing"

// FuzzLengthLine checks the one-pass reading of a count or length line
// against the search and parse it stands in for: the same line end, the
// same verdict on the number, the same number, and the same memory of what
// was searched.
func FuzzLengthLine(f *testing.F) {
	for _, s := range []string{
		"*2\r\n", "$3\r\nGET\r\n", "$0\r\n", "$01\r\n", "*-1\r\n", "$12", "$12\r",
		"$123456789012345678\r\n", "$1234567890123456789\r\n", "$99999999999999999999\r\n",
		"$1\x002\r\n", "$ 1\r\n", "$1 \r\n", "$+1\r\n", "$\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		var fast, slow Decoder
		nl, n, ok := fast.lengthLine(data, 0)
		want := slow.line(data, 0, '\r')
		var wantN int64
		var wantOK bool
		if want >= 1 {
			wantN, wantOK = parseInt(data[1:want])
		}
		if nl != want || ok != wantOK || (ok && n != wantN) || fast.seen != slow.seen || fast.blocked != slow.blocked {
			t.Fatalf("%q: lengthLine = %d, %d, %v (seen %d blocked %v); line and parseInt: %d, %d, %v (seen %d blocked %v)",
				data, nl, n, ok, fast.seen, fast.blocked, want, wantN, wantOK, slow.seen, slow.blocked)
		}
	})
}
