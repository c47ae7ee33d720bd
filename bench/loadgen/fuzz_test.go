package loadgen

import "testing"

// FuzzPayload checks the payload codec's two promises for any size,
// connection and sequence number: a message built for seq checks as seq,
// and changing any one byte of it makes the check fail.
func FuzzPayload(f *testing.F) {
	f.Add(64, 0, uint64(0), 0, byte(1))
	f.Add(1, 7, uint64(255), 0, byte(0x80))
	f.Add(16384, 49, uint64(1)<<40, 16383, byte(0xff))
	f.Fuzz(func(t *testing.T, size, conn int, seq uint64, at int, flip byte) {
		if size <= 0 || size > 1<<16 || flip == 0 {
			t.Skip()
		}
		p := newPayload(size, conn)
		m := make([]byte, size)
		p.put(m, seq)
		if !p.check(m, seq) {
			t.Fatalf("message %d of size %d does not check", seq, size)
		}
		at = ((at % size) + size) % size
		m[at] ^= flip
		if p.check(m, seq) {
			t.Fatalf("byte %d changed by %#x went unnoticed", at, flip)
		}
	})
}
