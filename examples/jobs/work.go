package main

import (
	"crypto/sha256"
	"encoding/hex"
)

// hashWork is the slow, checkable work a job does: SHA-256 applied rounds
// times, starting from arg. Anyone can recompute it to check a result.
func hashWork(arg []byte, rounds int) string {
	sum := sha256.Sum256(arg)
	for i := 1; i < rounds; i++ {
		sum = sha256.Sum256(sum[:])
	}
	return hex.EncodeToString(sum[:])
}
