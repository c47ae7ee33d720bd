//go:build linux

package uring

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// OpConnect is IORING_OP_CONNECT (Linux 5.5).
const OpConnect = 16

// PrepConnect prepares a connect of fd to the socket address sa of size
// bytes. The kernel reads sa when it first issues the operation, and may
// again when it retries after the socket became writable, so sa must stay
// reachable until the CQE.
func (e *SQE) PrepConnect(fd int, sa *unix.RawSockaddrAny, size uint32, userData uint64) {
	e.Opcode = OpConnect
	e.Fd = int32(fd)
	e.Addr = uint64(uintptr(unsafe.Pointer(sa)))
	e.Off = uint64(size)
	e.UserData = userData
}
