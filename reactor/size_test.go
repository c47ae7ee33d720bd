//go:build linux

package reactor

import (
	"testing"
	"unsafe"
)

// TestConnSize guards what an idle connection costs: a tcpConn is 128
// bytes, one size class of the allocator; growing it past that adds 16
// bytes or more to every connection.
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(tcpConn{}); unsafe.Sizeof(uintptr(0)) == 8 && n > 128 {
		t.Errorf("tcpConn is %d bytes, want at most 128", n)
	}
}
