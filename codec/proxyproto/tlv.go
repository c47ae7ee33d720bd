package proxyproto

import (
	"encoding/binary"
	"iter"
)

// TLVType is the type of a version 2 TLV entry.
type TLVType uint8

// The registered TLV types, and the sub-types found inside a TypeSSL value.
const (
	TypeALPN      TLVType = 0x01 // the negotiated application protocol, e.g. "h2"
	TypeAuthority TLVType = 0x02 // the host name the client asked for (TLS SNI), UTF-8
	TypeCRC32C    TLVType = 0x03 // CRC32c of the header; Parse verifies it
	TypeNOOP      TLVType = 0x04 // padding, to be ignored
	TypeUniqueID  TLVType = 0x05 // an opaque connection identifier of up to 128 bytes
	TypeSSL       TLVType = 0x20 // TLS facts; see SSL
	TypeNetNS     TLVType = 0x30 // the network namespace's name

	SubtypeSSLVersion TLVType = 0x21 // TLS version, e.g. "TLSv1.3"
	SubtypeSSLCN      TLVType = 0x22 // Common Name of the client certificate
	SubtypeSSLCipher  TLVType = 0x23 // cipher name, e.g. "ECDHE-RSA-AES128-GCM-SHA256"
	SubtypeSSLSigAlg  TLVType = 0x24 // signature algorithm of the server certificate
	SubtypeSSLKeyAlg  TLVType = 0x25 // key algorithm of the server certificate
)

// TLVs is a sequence of type-length-value entries as they appear on the
// wire: a type byte, a big-endian 16-bit length, then the value. Reading it
// allocates nothing; the values returned point into it.
type TLVs []byte

// Next splits the first entry off t. ok is false when t is empty or does not
// start with a whole entry (never the case for TLVs from Parse).
func (t TLVs) Next() (typ TLVType, value []byte, rest TLVs, ok bool) {
	if len(t) < 3 {
		return 0, nil, nil, false
	}
	n := int(binary.BigEndian.Uint16(t[1:3]))
	if len(t)-3 < n {
		return 0, nil, nil, false
	}
	return TLVType(t[0]), t[3 : 3+n : 3+n], t[3+n:], true
}

// All returns an iterator over the entries of t, NOOP padding included, in
// the order they appear.
func (t TLVs) All() iter.Seq2[TLVType, []byte] {
	return func(yield func(TLVType, []byte) bool) {
		for typ, v, rest, ok := t.Next(); ok; typ, v, rest, ok = rest.Next() {
			if !yield(typ, v) {
				return
			}
		}
	}
}

// Lookup returns the value of the first entry of type typ.
func (t TLVs) Lookup(typ TLVType) (value []byte, ok bool) {
	for ty, v, rest, ok := t.Next(); ok; ty, v, rest, ok = rest.Next() {
		if ty == typ {
			return v, true
		}
	}
	return nil, false
}

// valid reports whether t splits exactly into whole entries.
func (t TLVs) valid() bool {
	for len(t) > 0 {
		var ok bool
		if _, _, t, ok = t.Next(); !ok {
			return false
		}
	}
	return true
}

// ALPN returns the value of the TypeALPN entry, or nil.
func (h *Header) ALPN() []byte { v, _ := h.TLVs.Lookup(TypeALPN); return v }

// Authority returns the value of the TypeAuthority entry (the TLS server
// name, usually), or nil.
func (h *Header) Authority() []byte { v, _ := h.TLVs.Lookup(TypeAuthority); return v }

// UniqueID returns the value of the TypeUniqueID entry, or nil.
func (h *Header) UniqueID() []byte { v, _ := h.TLVs.Lookup(TypeUniqueID); return v }

// SSL is the value of a TypeSSL entry: what the proxy learnt from the
// client's TLS handshake.
type SSL struct {
	// Client holds the Client* bits.
	Client uint8
	// Verify is zero if the client presented a certificate and it was
	// verified, non-zero otherwise.
	Verify uint32
	// TLVs are the sub-entries: SubtypeSSLVersion, SubtypeSSLCN and so on.
	TLVs TLVs
}

// Bits of SSL.Client.
const (
	ClientSSL      = 0x01 // the client connected over TLS
	ClientCertConn = 0x02 // it presented a certificate on this connection
	ClientCertSess = 0x04 // it presented one at least once in this TLS session
)

// SSL returns the TypeSSL entry, if the header has one.
func (h *Header) SSL() (SSL, bool) {
	v, ok := h.TLVs.Lookup(TypeSSL)
	if !ok || len(v) < 5 {
		return SSL{}, false
	}
	return SSL{Client: v[0], Verify: binary.BigEndian.Uint32(v[1:5]), TLVs: TLVs(v[5:])}, true
}

// Version returns the TLS version the client used, such as "TLSv1.3", or nil.
func (s SSL) Version() []byte { v, _ := s.TLVs.Lookup(SubtypeSSLVersion); return v }

// CN returns the Common Name of the client certificate's subject, or nil.
func (s SSL) CN() []byte { v, _ := s.TLVs.Lookup(SubtypeSSLCN); return v }

// Cipher returns the name of the cipher in use, or nil.
func (s SSL) Cipher() []byte { v, _ := s.TLVs.Lookup(SubtypeSSLCipher); return v }
