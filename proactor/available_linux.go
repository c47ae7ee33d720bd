package proactor

import (
	"bytes"
	"fmt"
	"os"
	"sync"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/uring"
)

// Available reports whether this process can run the proactor: nil if so,
// otherwise an error wrapping conn.ErrUnsupported that says why (io_uring
// disabled by sysctl or seccomp, a kernel without io_uring or without an
// operation or flag the engine needs). The answer is computed once.
func Available() error { return available() }

var available = sync.OnceValue(probe)

func probe() error {
	// kernel.io_uring_disabled (6.6+): 2 forbids io_uring to everyone; 1
	// allows it to privileged processes, which the self-test finds out.
	if b, err := os.ReadFile("/proc/sys/kernel/io_uring_disabled"); err == nil && bytes.Equal(bytes.TrimSpace(b), []byte("2")) {
		return fmt.Errorf("%w: io_uring disabled by sysctl kernel.io_uring_disabled=2", conn.ErrUnsupported)
	}
	if err := uring.SelfTest(); err != nil {
		return fmt.Errorf("%w: %w", conn.ErrUnsupported, err)
	}
	return nil
}
