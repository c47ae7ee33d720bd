//go:build !linux

package reactor

import (
	"fmt"
	"runtime"

	"github.com/netloop/netloop/conn"
)

// NewClient reports that the reactor needs Linux: the error matches
// conn.ErrUnsupported.
func NewClient(cfg conn.Config) (conn.Client, error) {
	return nil, fmt.Errorf("%w: the epoll reactor needs Linux, not %s", conn.ErrUnsupported, runtime.GOOS)
}
