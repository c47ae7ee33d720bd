//go:build !linux

package proactor

import "github.com/netloop/netloop/conn"

// NewClient reports that the proactor needs Linux: the error matches
// conn.ErrUnsupported.
func NewClient(cfg conn.Config) (conn.Client, error) {
	return nil, Available()
}
