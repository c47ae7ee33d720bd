package conntest

import "syscall"

// setsockoptInt sets an integer socket option on a raw descriptor, whose
// type differs between Unix (int) and Windows (Handle).
func setsockoptInt(fd uintptr, level, opt, value int) error {
	return syscall.SetsockoptInt(syscall.Handle(fd), level, opt, value)
}
