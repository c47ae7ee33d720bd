package proxyproto_test

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/netloop/netloop/codec/proxyproto"
)

type parseCase struct {
	name  string
	in    []byte
	want  *proxyproto.Header // nil: an error is expected
	n     int                // header length; 0 means len(in)
	err   error              // the sentinel the error matches
	maxV2 int                // Parser.MaxLength
}

var ap = netip.MustParseAddrPort

var goodCases = []parseCase{
	{name: "v1 TCP4", in: []byte("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n"),
		want: &proxyproto.Header{Version: 1, Family: proxyproto.Inet, Transport: proxyproto.Stream,
			Source: ap("192.0.2.1:56324"), Destination: ap("198.51.100.7:443")}},
	{name: "v1 TCP4 then payload", in: []byte("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\nGET / HTTP/1.1\r\n\r\n"), n: 44,
		want: &proxyproto.Header{Version: 1, Family: proxyproto.Inet, Transport: proxyproto.Stream,
			Source: ap("0.0.0.0:0"), Destination: ap("255.255.255.255:65535")}},
	{name: "v1 TCP6 compressed", in: []byte("PROXY TCP6 2001:db8::1 ::1 1234 443\r\n"),
		want: &proxyproto.Header{Version: 1, Family: proxyproto.Inet6, Transport: proxyproto.Stream,
			Source: ap("[2001:db8::1]:1234"), Destination: ap("[::1]:443")}},
	{name: "v1 TCP6 full upper case", in: []byte("PROXY TCP6 FFFF:0000:0000:0000:0000:0000:0000:0001 1:2:3:4:5:6:7:8 1 2\r\n"),
		want: &proxyproto.Header{Version: 1, Family: proxyproto.Inet6, Transport: proxyproto.Stream,
			Source: ap("[ffff::1]:1"), Destination: ap("[1:2:3:4:5:6:7:8]:2")}},
	{name: "v1 TCP6 v4-mapped", in: []byte("PROXY TCP6 ::ffff:127.0.0.2 :: 80 8080\r\n"),
		want: &proxyproto.Header{Version: 1, Family: proxyproto.Inet6, Transport: proxyproto.Stream,
			Source: ap("[::ffff:127.0.0.2]:80"), Destination: ap("[::]:8080")}},
	{name: "v1 UNKNOWN short", in: []byte("PROXY UNKNOWN\r\n"), want: &proxyproto.Header{Version: 1}},
	{name: "v1 UNKNOWN rest ignored", in: []byte("PROXY UNKNOWN anything at all\r\nrest"), n: 31,
		want: &proxyproto.Header{Version: 1}},
	{name: "v1 longest line", in: []byte(pad("PROXY UNKNOWN ", 105) + "\r\n"), want: &proxyproto.Header{Version: 1}},
	{name: "v2 LOCAL", in: v2(0x20, 0x00, nil),
		want: &proxyproto.Header{Version: 2, Command: proxyproto.Local}},
	{name: "v2 LOCAL skips its length", in: append(v2(0x20, 0x00, []byte("ignored")), "GET"...), n: 23,
		want: &proxyproto.Header{Version: 2, Command: proxyproto.Local}},
	{name: "v2 PROXY UNSPEC", in: v2(0x21, 0x00, nil),
		want: &proxyproto.Header{Version: 2}},
	{name: "v2 TCP4", in: v2(0x21, 0x11, inet4),
		want: &proxyproto.Header{Version: 2, Family: proxyproto.Inet, Transport: proxyproto.Stream,
			Source: ap("192.0.2.1:56324"), Destination: ap("198.51.100.7:443")}},
	{name: "v2 UDP4", in: v2(0x21, 0x12, inet4),
		want: &proxyproto.Header{Version: 2, Family: proxyproto.Inet, Transport: proxyproto.Datagram,
			Source: ap("192.0.2.1:56324"), Destination: ap("198.51.100.7:443")}},
	{name: "v2 TCP6", in: v2(0x21, 0x21, inet6),
		want: &proxyproto.Header{Version: 2, Family: proxyproto.Inet6, Transport: proxyproto.Stream,
			Source: ap("[2001:db8::1]:1234"), Destination: ap("[2001:db8::2]:443")}},
	{name: "v2 LOCAL TCP4", in: v2(0x20, 0x11, inet4),
		want: &proxyproto.Header{Version: 2, Command: proxyproto.Local, Family: proxyproto.Inet, Transport: proxyproto.Stream,
			Source: ap("192.0.2.1:56324"), Destination: ap("198.51.100.7:443")}},
	{name: "v2 UNIX stream", in: v2(0x21, 0x31, unixAddrs),
		want: &proxyproto.Header{Version: 2, Family: proxyproto.Unix, Transport: proxyproto.Stream,
			SourcePath: []byte("/run/client.sock"), DestinationPath: []byte("/run/server.sock")}},
	{name: "v2 TLVs", in: v2(0x21, 0x11, inet4, tlv(0x01, []byte("h2")), tlv(0x04, nil), tlv(0x02, []byte("example.com")),
		tlv(0x05, bytes.Repeat([]byte{7}, 128)), tlv(0x20, ssl(0x07, 0, tlv(0x21, []byte("TLSv1.3")), tlv(0x22, []byte("client")))),
		tlv(0xe0, []byte("custom"))),
		want: &proxyproto.Header{Version: 2, Family: proxyproto.Inet, Transport: proxyproto.Stream,
			Source: ap("192.0.2.1:56324"), Destination: ap("198.51.100.7:443"),
			TLVs: proxyproto.TLVs(append(append(append(append(append(tlv(0x01, []byte("h2")), tlv(0x04, nil)...),
				tlv(0x02, []byte("example.com"))...), tlv(0x05, bytes.Repeat([]byte{7}, 128))...),
				tlv(0x20, ssl(0x07, 0, tlv(0x21, []byte("TLSv1.3")), tlv(0x22, []byte("client"))))...),
				tlv(0xe0, []byte("custom"))...))}},
	{name: "v2 CRC32C", in: withCRC(v2(0x21, 0x11, inet4, tlv(0x02, []byte("example.com"))))},
	{name: "v2 at MaxLength", in: v2(0x21, 0x11, inet4), maxV2: 12},
}

var badCases = []parseCase{
	{name: "empty", in: nil, err: proxyproto.ErrNeedMore},
	{name: "HTTP instead of a header", in: []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), err: proxyproto.ErrNotProxy},
	{name: "garbage first byte", in: []byte{0xff}, err: proxyproto.ErrNotProxy},
	{name: "v1 prefix so far", in: []byte("PROX"), err: proxyproto.ErrNeedMore},
	{name: "v1 lower case", in: []byte("proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n"), err: proxyproto.ErrNotProxy},
	{name: "v1 wrong signature", in: []byte("PROXZ"), err: proxyproto.ErrNotProxy},
	{name: "v1 no space", in: []byte("PROXY\r\n"), err: proxyproto.ErrNotProxy},
	{name: "v1 106 bytes no CRLF", in: []byte(pad("PROXY UNKNOWN ", 106)), err: proxyproto.ErrNeedMore},
	{name: "v1 107 bytes no CRLF", in: []byte(pad("PROXY UNKNOWN ", 107)), err: proxyproto.ErrTooLong},
	{name: "v1 CRLF at 108", in: []byte(pad("PROXY UNKNOWN ", 106) + "\r\n"), err: proxyproto.ErrTooLong},
	{name: "v1 lone CR", in: []byte("PROXY TCP4\r1.2.3.4"), err: proxyproto.ErrInvalid},
	{name: "v1 CR at end so far", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r"), err: proxyproto.ErrNeedMore},
	{name: "v1 lone LF", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), err: proxyproto.ErrInvalid},
	{name: "v1 unknown protocol", in: []byte("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 UNKNOWNX", in: []byte("PROXY UNKNOWNX\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 missing field", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 extra field", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 double space", in: []byte("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 trailing space", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 leading zero octet", in: []byte("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 octet 256", in: []byte("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 three octets", in: []byte("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 TCP4 with IPv6", in: []byte("PROXY TCP4 ::1 ::1 1 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 TCP6 with IPv4", in: []byte("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 TCP6 zone", in: []byte("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 TCP6 two gaps", in: []byte("PROXY TCP6 1::2::3 ::1 1 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 TCP6 nine groups", in: []byte("PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 TCP6 seven groups", in: []byte("PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 TCP6 five digits", in: []byte("PROXY TCP6 12345::1 ::1 1 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 port 65536", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 port leading zero", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v1 port sign", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 +80 2\r\n"), err: proxyproto.ErrInvalid},
	{name: "v2 signature so far", in: []byte("\r\n\r\n\x00\r\nQU"), err: proxyproto.ErrNeedMore},
	{name: "v2 wrong signature", in: []byte("\r\n\r\n\x01"), err: proxyproto.ErrNotProxy},
	{name: "v2 version 1", in: v2(0x11, 0x11, inet4), err: proxyproto.ErrInvalid},
	{name: "v2 version 3 early", in: v2(0x31, 0x11, inet4)[:13], err: proxyproto.ErrInvalid},
	{name: "v2 command 2", in: v2(0x22, 0x11, inet4), err: proxyproto.ErrInvalid},
	{name: "v2 family 4", in: v2(0x21, 0x41, inet4)[:14], err: proxyproto.ErrInvalid},
	{name: "v2 transport 3", in: v2(0x21, 0x13, inet4), err: proxyproto.ErrInvalid},
	{name: "v2 UNSPEC with STREAM", in: v2(0x21, 0x01, nil), err: proxyproto.ErrInvalid},
	{name: "v2 length 65535", in: []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff"), err: proxyproto.ErrTooLong},
	{name: "v2 over MaxLength", in: v2(0x21, 0x21, inet6), maxV2: 35, err: proxyproto.ErrTooLong},
	{name: "v2 waits for its length", in: v2(0x21, 0x11, inet4)[:27], err: proxyproto.ErrNeedMore},
	{name: "v2 TCP4 too short", in: v2(0x21, 0x11, inet4[:11]), err: proxyproto.ErrInvalid},
	{name: "v2 TCP6 too short", in: v2(0x21, 0x21, inet4), err: proxyproto.ErrInvalid},
	{name: "v2 TLV truncated", in: v2(0x21, 0x11, inet4, []byte{0x01, 0x00, 0x05, 'h', '2'}), err: proxyproto.ErrInvalid},
	{name: "v2 TLV stub", in: v2(0x21, 0x11, inet4, []byte{0x01, 0x00}), err: proxyproto.ErrInvalid},
	{name: "v2 SSL short", in: v2(0x21, 0x11, inet4, tlv(0x20, []byte{1, 0, 0, 0})), err: proxyproto.ErrInvalid},
	{name: "v2 SSL bad sub-TLV", in: v2(0x21, 0x11, inet4, tlv(0x20, ssl(1, 0, []byte{0x21, 0, 9, 'x'}))), err: proxyproto.ErrInvalid},
	{name: "v2 unique ID 129", in: v2(0x21, 0x11, inet4, tlv(0x05, make([]byte, 129))), err: proxyproto.ErrInvalid},
	{name: "v2 CRC32C wrong size", in: v2(0x21, 0x11, inet4, tlv(0x03, []byte{1, 2, 3})), err: proxyproto.ErrInvalid},
	{name: "v2 CRC32C twice", in: withCRC(withCRC(v2(0x21, 0x11, inet4))), err: proxyproto.ErrInvalid},
	{name: "v2 CRC32C mismatch", in: func() []byte { b := withCRC(v2(0x21, 0x11, inet4)); b[17]++; return b }(),
		err: proxyproto.ErrInvalid},
}

func TestParse(t *testing.T) {
	for _, tc := range append(append([]parseCase{}, goodCases...), badCases...) {
		t.Run(tc.name, func(t *testing.T) {
			var h proxyproto.Header
			n, err := proxyproto.Parser{MaxLength: tc.maxV2}.Parse(tc.in, &h)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || n != 0 {
					t.Fatalf("Parse(%q) = %d, %v; want 0, %v", tc.in, n, err, tc.err)
				}
				if err != proxyproto.ErrNeedMore && !strings.HasPrefix(err.Error(), "proxyproto: ") {
					t.Errorf("error text %q lacks the package prefix", err)
				}
				return
			}
			wantN := tc.n
			if wantN == 0 {
				wantN = len(tc.in)
			}
			if err != nil || n != wantN {
				t.Fatalf("Parse(%q) = %d, %v; want %d, nil", tc.in, n, err, wantN)
			}
			if tc.want != nil && !equal(&h, tc.want) {
				t.Errorf("Parse(%q) header\n got %+v\nwant %+v", tc.in, h, *tc.want)
			}
		})
	}
}

// TestParseSplit feeds every valid header one byte more at a time, as a
// slow proxy or a fragmenting network would: every proper prefix needs
// more, and the whole gives the same header as at once.
func TestParseSplit(t *testing.T) {
	for _, tc := range goodCases {
		t.Run(tc.name, func(t *testing.T) {
			p := proxyproto.Parser{MaxLength: tc.maxV2}
			var whole proxyproto.Header
			n, err := p.Parse(tc.in, &whole)
			if err != nil {
				t.Fatal(err)
			}
			for k := 0; k < n; k++ {
				var h proxyproto.Header
				if m, err := p.Parse(tc.in[:k], &h); err != proxyproto.ErrNeedMore || m != 0 {
					t.Fatalf("Parse of the first %d of %d bytes = %d, %v; want ErrNeedMore", k, n, m, err)
				}
			}
		})
	}
}

func TestTLVs(t *testing.T) {
	in := v2(0x21, 0x11, inet4, tlv(0x01, []byte("h2")), tlv(0x04, []byte{0, 0}), tlv(0x02, []byte("example.com")),
		tlv(0x05, []byte("id-1")), tlv(0x20, ssl(proxyproto.ClientSSL|proxyproto.ClientCertConn, 0,
			tlv(0x21, []byte("TLSv1.3")), tlv(0x22, []byte("client.example")), tlv(0x23, []byte("TLS_AES_128_GCM_SHA256")))))
	var h proxyproto.Header
	if _, err := proxyproto.Parse(in, &h); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"ALPN", string(h.ALPN()), "h2"},
		{"Authority", string(h.Authority()), "example.com"},
		{"UniqueID", string(h.UniqueID()), "id-1"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q; want %q", c.name, c.got, c.want)
		}
	}
	s, ok := h.SSL()
	if !ok || s.Client != 3 || s.Verify != 0 || string(s.Version()) != "TLSv1.3" || string(s.CN()) != "client.example" ||
		string(s.Cipher()) != "TLS_AES_128_GCM_SHA256" {
		t.Errorf("SSL() = %+v, %v", s, ok)
	}
	var types []proxyproto.TLVType
	for typ := range h.TLVs.All() {
		types = append(types, typ)
	}
	if want := []proxyproto.TLVType{1, 4, 2, 5, 0x20}; !equalTypes(types, want) {
		t.Errorf("All() yields types %v; want %v", types, want)
	}
	for range h.TLVs.All() {
		break // stopping early must be safe
	}
	if _, _, _, ok := proxyproto.TLVs([]byte{1, 0, 9, 'x'}).Next(); ok {
		t.Error("Next accepted a truncated entry")
	}
	var none proxyproto.Header
	if _, ok := none.SSL(); ok || none.ALPN() != nil {
		t.Error("a header without TLVs reports some")
	}
}

func TestClone(t *testing.T) {
	in := v2(0x21, 0x31, unixAddrs, tlv(0x02, []byte("example.com")))
	var h proxyproto.Header
	if _, err := proxyproto.Parse(in, &h); err != nil {
		t.Fatal(err)
	}
	c := h.Clone()
	clear(in)
	if string(c.SourcePath) != "/run/client.sock" || string(c.DestinationPath) != "/run/server.sock" ||
		string(c.Authority()) != "example.com" {
		t.Errorf("clone changed with its input: %+v", c)
	}
	c.SourcePath = append(c.SourcePath, 'x')
	if string(c.DestinationPath) != "/run/server.sock" {
		t.Error("appending to one field of a clone overwrote the next")
	}
}

type fakeConn struct{ h *proxyproto.Header }

func (c fakeConn) ProxyHeader() *proxyproto.Header { return c.h }

func TestFromConn(t *testing.T) {
	h := &proxyproto.Header{Version: 2}
	if got := proxyproto.FromConn(fakeConn{h}); got != h {
		t.Errorf("FromConn = %v; want %v", got, h)
	}
	if got := proxyproto.FromConn(struct{}{}); got != nil {
		t.Errorf("FromConn of a value without ProxyHeader = %v", got)
	}
}

func equal(a, b *proxyproto.Header) bool {
	return a.Version == b.Version && a.Command == b.Command && a.Family == b.Family && a.Transport == b.Transport &&
		a.Source == b.Source && a.Destination == b.Destination && bytes.Equal(a.SourcePath, b.SourcePath) &&
		bytes.Equal(a.DestinationPath, b.DestinationPath) && bytes.Equal(a.TLVs, b.TLVs)
}

func equalTypes(a, b []proxyproto.TLVType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
