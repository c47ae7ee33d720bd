package proxyproto_test

import (
	"encoding/binary"
	"hash/crc32"
	"strings"
)

// v2 builds a version 2 header with the given version-command and
// family-transport bytes, address block and TLVs.
func v2(verCmd, famProto byte, addrs []byte, tlvs ...[]byte) []byte {
	b := []byte("\r\n\r\n\x00\r\nQUIT\n")
	b = append(b, verCmd, famProto, 0, 0)
	b = append(b, addrs...)
	for _, t := range tlvs {
		b = append(b, t...)
	}
	binary.BigEndian.PutUint16(b[14:16], uint16(len(b)-16))
	return b
}

// tlv encodes one TLV entry.
func tlv(typ byte, value []byte) []byte {
	b := []byte{typ, 0, 0}
	binary.BigEndian.PutUint16(b[1:3], uint16(len(value)))
	return append(b, value...)
}

// withCRC appends a CRC32C entry to header h (built by v2) and fills it in.
func withCRC(h []byte) []byte {
	h = append(h, 0x03, 0, 4, 0, 0, 0, 0)
	binary.BigEndian.PutUint16(h[14:16], uint16(len(h)-16))
	sum := crc32.Checksum(h, crc32.MakeTable(crc32.Castagnoli))
	binary.BigEndian.PutUint32(h[len(h)-4:], sum)
	return h
}

// ssl encodes the value of an SSL TLV.
func ssl(client byte, verify uint32, sub ...[]byte) []byte {
	b := []byte{client, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:5], verify)
	for _, s := range sub {
		b = append(b, s...)
	}
	return b
}

var (
	// 192.0.2.1:56324 -> 198.51.100.7:443
	inet4 = []byte{192, 0, 2, 1, 198, 51, 100, 7, 0xdc, 0x04, 0x01, 0xbb}
	// 2001:db8::1:1234 -> 2001:db8::2:443
	inet6 = append(append(append([]byte{0x20, 0x01, 0x0d, 0xb8, 12: 0, 0, 0, 1},
		[]byte{0x20, 0x01, 0x0d, 0xb8, 12: 0, 0, 0, 2}...), 0x04, 0xd2), 0x01, 0xbb)
	unixAddrs = func() []byte {
		b := make([]byte, 216)
		copy(b, "/run/client.sock")
		copy(b[108:], "/run/server.sock")
		return b
	}()
)

func pad(s string, n int) string { return s + strings.Repeat("x", n-len(s)) }
