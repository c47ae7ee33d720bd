package http1

import (
	"math/rand/v2"
	"testing"
)

// TestValidValue compares validValue with the byte-wise table check: every
// byte value at every place of words and tails, and random strings biased
// towards the bytes that decide (controls, HTAB, DEL, obs-text).
func TestValidValue(t *testing.T) {
	for n := 0; n <= 20; n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				b := []byte("abcdefghijklmnopqrstuvwxyz")[:n]
				b[at] = byte(c)
				if got, want := validValue(b), all(b, &valueChar); got != want {
					t.Fatalf("validValue(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
	pick := []byte{0, 0x1f, 0x20, '\t', '\r', 0x7e, 0x7f, 0x80, 0xff, 'a'}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			if r.IntN(4) == 0 {
				b[i] = pick[r.IntN(len(pick))]
			} else {
				b[i] = byte(0x21 + r.IntN(0x5e))
			}
		}
		if got, want := validValue(b), all(b, &valueChar); got != want {
			t.Fatalf("validValue(%q) = %v, want %v", b, got, want)
		}
	}
}
