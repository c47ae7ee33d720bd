package resp_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/netloop/netloop/codec/resp"
)

// FuzzDecoder checks that any input decodes to the same commands whole and
// in two pieces (the second call given everything not consumed, as OnData
// is), that every command consumed at least a byte, and that commands
// encoded as arrays decode back to their arguments.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"), uint16(7))
	f.Add([]byte("SET \"a b\" 'c\\'d' \"\\x41\"\r\nPING\n"), uint16(3))
	f.Add([]byte("*1\r\n$-1\r\n"), uint16(1))
	f.Add([]byte("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n"), uint16(12))
	f.Add([]byte("*0\r\n*-1\r\n\r\n"), uint16(4))
	f.Add([]byte("PING\x00\r\n"), uint16(2))
	f.Fuzz(func(t *testing.T, in []byte, cut uint16) {
		var whole resp.Decoder
		want, wantRest := decodeAll(&whole, in)
		var split resp.Decoder
		c := int(cut) % (len(in) + 1)
		got, rest := decodeAll(&split, in[:c])
		if len(got) == 0 || got[len(got)-1][0] != '-' {
			more, r := decodeAll(&split, in[c-rest:])
			got, rest = append(got, more...), r
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || rest != wantRest {
			t.Fatalf("%q cut at %d: got %q (%d left), whole %q (%d left)", in, c, got, rest, want, wantRest)
		}
		// Round trip: the arguments of the first inline command, if
		// any, encoded as an array.
		var d resp.Decoder
		n, args, err := d.Split(in, false)
		if err != nil || n == 0 || args == nil {
			return
		}
		strs := make([]string, len(args))
		for i, a := range args {
			strs[i] = string(a)
		}
		enc := resp.AppendCommand(nil, strs...)
		var d2 resp.Decoder
		n2, args2, err := d2.Split(enc, true)
		if err != nil || n2 != len(enc) || !slices.EqualFunc(args2, args, func(a, b []byte) bool { return string(a) == string(b) }) {
			t.Fatalf("round trip of %q: %d %q %v", strs, n2, args2, err)
		}
	})
}
