package loadgen

import (
	"bytes"
	"encoding/binary"
)

// A payload builds and checks the messages of one connection. Message n is
// the connection's fixed pattern with n written little-endian over its first
// (up to) eight bytes, so a server that drops, duplicates, reorders or
// corrupts a message — or mixes up two connections — fails the check.
type payload struct {
	pattern []byte // one message's worth of the connection's bytes
}

func newPayload(size int, connID int) payload {
	p := make([]byte, size)
	for i := range p {
		p[i] = byte(i*7 + connID*13 + 1)
	}
	return payload{pattern: p}
}

// seqLen is how many leading bytes of a message carry its sequence number.
func (p payload) seqLen() int { return min(8, len(p.pattern)) }

// put writes message seq into dst, which must be one message long.
func (p payload) put(dst []byte, seq uint64) {
	copy(dst, p.pattern)
	var s [8]byte
	binary.LittleEndian.PutUint64(s[:], seq)
	copy(dst[:p.seqLen()], s[:])
}

// check reports whether msg, one message long, is message seq.
func (p payload) check(msg []byte, seq uint64) bool {
	var s [8]byte
	binary.LittleEndian.PutUint64(s[:], seq)
	n := p.seqLen()
	return bytes.Equal(msg[:n], s[:n]) && bytes.Equal(msg[n:], p.pattern[n:])
}
