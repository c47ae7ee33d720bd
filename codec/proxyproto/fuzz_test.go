package proxyproto_test

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	"github.com/netloop/netloop/codec/proxyproto"
)

// FuzzParse checks the promises of Parse on any input: no panic; a header
// is self-delimiting and within its size cap; every proper prefix of a
// header needs more; a final error stays final whatever follows; TLVs from
// a successful parse iterate to their end; version 1 addresses read back
// the same through package netip.
func FuzzParse(f *testing.F) {
	for _, tc := range goodCases {
		f.Add(tc.in)
	}
	for _, tc := range badCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var h proxyproto.Header
		n, err := proxyproto.Parse(in, &h)
		switch {
		case err == proxyproto.ErrNeedMore:
			if n != 0 {
				t.Fatalf("ErrNeedMore with n = %d", n)
			}
			return
		case err != nil:
			if n != 0 || !(errors.Is(err, proxyproto.ErrNotProxy) || errors.Is(err, proxyproto.ErrTooLong) ||
				errors.Is(err, proxyproto.ErrInvalid)) {
				t.Fatalf("Parse = %d, %v: not a documented error", n, err)
			}
			for _, tail := range [][]byte{[]byte("\r\n"), make([]byte, 300)} {
				var h2 proxyproto.Header
				if _, err2 := proxyproto.Parse(append(in[:len(in):len(in)], tail...), &h2); err2 == nil || err2 == proxyproto.ErrNeedMore {
					t.Fatalf("final error %v on %q became %v with %d more bytes", err, in, err2, len(tail))
				}
			}
			return
		}
		if n <= 0 || n > len(in) {
			t.Fatalf("Parse = %d for %d bytes", n, len(in))
		}
		switch h.Version {
		case 1:
			if n > proxyproto.MaxV1Length {
				t.Fatalf("v1 header of %d bytes", n)
			}
		case 2:
			if n > 16+proxyproto.DefaultMaxLength {
				t.Fatalf("v2 header of %d bytes", n)
			}
		default:
			t.Fatalf("version %d", h.Version)
		}
		var again proxyproto.Header
		if m, err := proxyproto.Parse(in[:n], &again); m != n || err != nil || !equal(&h, &again) {
			t.Fatalf("the header alone parses as %d, %v", m, err)
		}
		for k := range n {
			if m, err := proxyproto.Parse(in[:k], &again); m != 0 || err != proxyproto.ErrNeedMore {
				t.Fatalf("prefix of %d of %d bytes = %d, %v", k, n, m, err)
			}
		}
		rest := h.TLVs
		for ok := true; ok && len(rest) > 0; {
			_, _, rest, ok = rest.Next()
			if !ok {
				t.Fatal("TLVs from Parse do not iterate to their end")
			}
		}
		if c := h.Clone(); !equal(c, &h) {
			t.Fatal("Clone differs")
		}
		if h.Version == 1 && h.Family != proxyproto.Unspec {
			fields := bytes.Fields(in[len("PROXY TCP4 "):n])
			for i, a := range []netip.Addr{h.Source.Addr(), h.Destination.Addr()} {
				want, err := netip.ParseAddr(string(fields[i]))
				if err != nil || want != a {
					t.Fatalf("address %q parsed as %v; netip says %v, %v", fields[i], a, want, err)
				}
			}
		}
	})
}
