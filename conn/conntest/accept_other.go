//go:build !linux

package conntest

import (
	"runtime"
	"testing"
	"time"
)

// exhaustDescriptors skips the test: filling the descriptor table to make
// accept fail is written for Linux (its rlimit types and /proc/self/fd).
func exhaustDescriptors(t *testing.T) (release func()) {
	t.Skipf("running out of descriptors is staged on Linux only, not %s", runtime.GOOS)
	return func() {}
}

// cpuTime is not measured here; exhaustDescriptors skipped the only test
// that asks.
func cpuTime() time.Duration { return 0 }
