//go:build !linux

package socket

import (
	"errors"
	"os"
)

// Dup would return a duplicate of the listening descriptor fd for handing
// it to a child process; listener handover is Linux's only (see
// TakeInherited), so elsewhere it fails.
func Dup(fd int, name string) (*os.File, error) {
	return nil, errors.New("netloop: listener handover is supported on Linux only")
}
