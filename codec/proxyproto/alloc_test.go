package proxyproto_test

import (
	"testing"

	"github.com/netloop/netloop/codec/proxyproto"
)

// TestParseAllocs checks that parsing allocates nothing, whether it
// succeeds, needs more or fails, and neither does reading the TLVs.
func TestParseAllocs(t *testing.T) {
	inputs := map[string][]byte{
		"v1 TCP6":      []byte("PROXY TCP6 2001:db8::1 ::ffff:127.0.0.2 1234 443\r\n"),
		"v1 partial":   []byte("PROXY TCP4 192.0.2.1 198.51"),
		"v1 bad port":  []byte("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"),
		"garbage":      []byte("GET / HTTP/1.1\r\n"),
		"v2 TLVs+CRC":  withCRC(v2(0x21, 0x21, inet6, tlv(0x01, []byte("h2")), tlv(0x20, ssl(1, 0, tlv(0x21, []byte("TLSv1.3")))))),
		"v2 partial":   v2(0x21, 0x21, inet6)[:30],
		"v2 too long":  []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff"),
		"v2 bad CRC":   func() []byte { b := withCRC(v2(0x21, 0x11, inet4)); b[20]++; return b }(),
		"v2 UNIX path": v2(0x21, 0x31, unixAddrs),
	}
	for name, in := range inputs {
		var h proxyproto.Header
		if a := testing.AllocsPerRun(100, func() { proxyproto.Parse(in, &h) }); a != 0 {
			t.Errorf("%s: Parse allocates %v times", name, a)
		}
	}
	var h proxyproto.Header
	if _, err := proxyproto.Parse(inputs["v2 TLVs+CRC"], &h); err != nil {
		t.Fatal(err)
	}
	sink := 0
	a := testing.AllocsPerRun(100, func() {
		for typ, v := range h.TLVs.All() {
			sink += int(typ) + len(v)
		}
		s, _ := h.SSL()
		sink += len(h.ALPN()) + len(s.Version())
	})
	if a != 0 {
		t.Errorf("reading TLVs allocates %v times", a)
	}
}

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct {
		name string
		in   []byte
	}{
		{"v1=TCP4", []byte("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n")},
		{"v1=TCP6", []byte("PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\n")},
		{"v2=TCP4", v2(0x21, 0x11, inet4)},
		{"v2=TCP6+TLVs+CRC", withCRC(v2(0x21, 0x21, inet6, tlv(0x01, []byte("h2")), tlv(0x02, []byte("example.com"))))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.in)))
			var h proxyproto.Header
			for b.Loop() {
				if _, err := proxyproto.Parse(bc.in, &h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
