//go:build linux

package socket

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// SetOptions applies the per-connection options of a netloop Config to an
// accepted socket: TCP_NODELAY unless nagle, and keep-alive with the given
// period (idle time and probe interval alike, as the net package does)
// unless keepAlive is negative. On a Unix socket, which has none of the
// TCP options, it does nothing.
func SetOptions(fd int, nagle bool, keepAlive time.Duration) error {
	if err := setOptions(fd, nagle, keepAlive); err != nil && !errors.Is(err, unix.EOPNOTSUPP) {
		return err
	}
	return nil
}

func setOptions(fd int, nagle bool, keepAlive time.Duration) error {
	if !nagle {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
			return os.NewSyscallError("setsockopt TCP_NODELAY", err)
		}
	}
	if keepAlive < 0 {
		return nil
	}
	secs := int(max(keepAlive/time.Second, 1))
	for _, o := range [...]struct {
		level, opt, val int
		name            string
	}{
		{unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1, "SO_KEEPALIVE"},
		{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, secs, "TCP_KEEPIDLE"},
		{unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, secs, "TCP_KEEPINTVL"},
	} {
		if err := unix.SetsockoptInt(fd, o.level, o.opt, o.val); err != nil {
			return os.NewSyscallError("setsockopt "+o.name, err)
		}
	}
	return nil
}

// IsTemporaryAcceptError reports whether an accept error concerns only the
// connection being accepted (it was reset or aborted before we took it), so
// the loop should simply go on accepting.
func IsTemporaryAcceptError(err error) bool {
	switch err {
	case unix.ECONNABORTED, unix.EPROTO, unix.EPERM, unix.EINTR:
		return true
	}
	return false
}

// IsResourceError reports whether an accept error means the process or
// system is out of descriptors or memory: the listener must back off rather
// than spin, and existing connections stay untouched.
func IsResourceError(err error) bool {
	switch err {
	case unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM:
		return true
	}
	return false
}
