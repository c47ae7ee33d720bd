package reactor

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The loop's sockets are non-blocking, so a read or write never waits in
// the kernel: it is issued with RawSyscall, which skips the runtime's
// entersyscall/exitsyscall bookkeeping (the scheduler need not hand the P
// to another thread for a call that returns at once). Blocking calls
// (epoll_wait with a timeout) keep unix.Syscall.

// The socket calls are recvfrom and sendto rather than read and write:
// they go to the socket layer directly, skipping the file layer's checks
// and notifications that read and write pass through on every call.

// rawRead reads into p from non-blocking socket fd.
func rawRead(fd int, p []byte) (int, error) {
	r, _, errno := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

// rawWrite writes p to non-blocking socket fd. MSG_NOSIGNAL turns a
// write to a connection the peer reset into EPIPE without raising SIGPIPE.
func rawWrite(fd int, p []byte) (int, error) {
	r, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), unix.MSG_NOSIGNAL, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

// rawWritev writes the blocks iov points at to non-blocking fd.
func rawWritev(fd int, iov []unix.Iovec) (int, error) {
	r, _, errno := unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(iov))), uintptr(len(iov)))
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}
