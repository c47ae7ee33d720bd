package proxyproto

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"net/netip"
)

// The fixed start of a version 2 header: signature, version and command,
// family and transport, length.
const v2Fixed = 16

// Sizes of the address blocks of each family.
const (
	addrLenInet  = 2*4 + 2*2
	addrLenInet6 = 2*16 + 2*2
	addrLenUnix  = 2 * 108
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// zeros stand in for the checksum while it is computed; a package variable,
// since a local array passed to crc32.Update would escape to the heap.
var zeros [4]byte

// parseV2 parses a binary header. Each byte of the fixed part is checked as
// soon as it is there, so garbage is rejected early; the addresses and TLVs
// are looked at only once the whole header has arrived.
func (p Parser) parseV2(b []byte, h *Header) (int, error) {
	if !hasPrefixSoFar(b, sigV2) {
		return 0, errNotProxy
	}
	if len(b) > 12 {
		switch {
		case b[12]>>4 != 2:
			return 0, errV2Version
		case b[12]&0xf > 1:
			return 0, errV2Command
		}
	}
	var family Family
	var transport Transport
	addrLen := 0
	if len(b) > 13 {
		// Only these combinations exist; anything else is to be rejected.
		switch b[13] {
		case 0x00:
		case 0x11, 0x12:
			family, addrLen = Inet, addrLenInet
		case 0x21, 0x22:
			family, addrLen = Inet6, addrLenInet6
		case 0x31, 0x32:
			family, addrLen = Unix, addrLenUnix
		default:
			return 0, errV2Family
		}
		transport = Transport(b[13] & 0xf)
	}
	if len(b) < v2Fixed {
		return 0, ErrNeedMore
	}
	length := int(binary.BigEndian.Uint16(b[14:16]))
	maxLen := p.MaxLength
	if maxLen <= 0 {
		maxLen = DefaultMaxLength
	}
	if length > maxLen {
		return 0, errV2TooLong
	}
	if length < addrLen {
		return 0, errV2Short
	}
	end := v2Fixed + length
	if len(b) < end {
		return 0, ErrNeedMore
	}
	*h = Header{Version: 2, Command: Proxy, Family: family, Transport: transport}
	if b[12]&0xf == 0 {
		h.Command = Local // on the wire LOCAL is 0 and PROXY 1
	}
	addrs := b[v2Fixed : v2Fixed+addrLen]
	switch family {
	case Inet:
		h.Source = netip.AddrPortFrom(netip.AddrFrom4([4]byte(addrs[0:4])), binary.BigEndian.Uint16(addrs[8:10]))
		h.Destination = netip.AddrPortFrom(netip.AddrFrom4([4]byte(addrs[4:8])), binary.BigEndian.Uint16(addrs[10:12]))
	case Inet6:
		h.Source = netip.AddrPortFrom(netip.AddrFrom16([16]byte(addrs[0:16])), binary.BigEndian.Uint16(addrs[32:34]))
		h.Destination = netip.AddrPortFrom(netip.AddrFrom16([16]byte(addrs[16:32])), binary.BigEndian.Uint16(addrs[34:36]))
	case Unix:
		h.SourcePath = trimNUL(addrs[0:108])
		h.DestinationPath = trimNUL(addrs[108:216])
	case Unspec:
		// The size of an unspecified address block is unknown, so
		// whatever follows cannot be told apart from TLVs: ignore it all.
		return end, nil
	}
	tlvs := TLVs(b[v2Fixed+addrLen : end : end])
	if err := checkTLVs(b[:end], v2Fixed+addrLen); err != nil {
		*h = Header{}
		return 0, err
	}
	h.TLVs = tlvs
	return end, nil
}

// trimNUL returns the path in a NUL-padded socket address field.
func trimNUL(field []byte) []byte {
	if i := bytes.IndexByte(field, 0); i >= 0 {
		field = field[:i]
	}
	if len(field) == 0 {
		return nil
	}
	return field[:len(field):len(field)]
}

// checkTLVs checks the TLVs of header hdr, which start at offset off: they
// must fill it exactly, the registered types must have the sizes the
// specification gives them, and a CRC32C entry must match the header.
func checkTLVs(hdr []byte, off int) error {
	t := TLVs(hdr[off:])
	crcAt := -1
	for len(t) > 0 {
		typ, v, rest, ok := t.Next()
		if !ok {
			return errTLV
		}
		switch typ {
		case TypeCRC32C:
			if len(v) != 4 || crcAt >= 0 {
				return errTLVCRC
			}
			crcAt = len(hdr) - len(t) + 3
		case TypeUniqueID:
			if len(v) > 128 {
				return errTLVUniqueID
			}
		case TypeSSL:
			if len(v) < 5 || !TLVs(v[5:]).valid() {
				return errTLVSSL
			}
		}
		t = rest
	}
	if crcAt >= 0 {
		want := binary.BigEndian.Uint32(hdr[crcAt : crcAt+4])
		sum := crc32.Update(0, castagnoli, hdr[:crcAt])
		sum = crc32.Update(sum, castagnoli, zeros[:])
		sum = crc32.Update(sum, castagnoli, hdr[crcAt+4:])
		if sum != want {
			return errChecksum
		}
	}
	return nil
}
