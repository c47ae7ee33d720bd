//go:build linux

package uring

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The Prep methods fill a zeroed SQE from GetSQE. Those that take a Go
// slice or pointer store its address in the SQE, where the garbage collector
// cannot see it: the caller must keep that memory reachable until the
// operation's final CQE (see the package doc).

// PrepNop prepares a no-op; its CQE has res 0.
func (e *SQE) PrepNop(userData uint64) {
	e.Opcode = OpNop
	e.Fd = -1
	e.UserData = userData
}

// PrepRecvMultishot prepares a multishot receive on fd that takes its
// buffers from buffer group bgid: one CQE per buffer filled, with CQEFMore
// while it stays armed.
func (e *SQE) PrepRecvMultishot(fd int, bgid uint16, userData uint64) {
	e.Opcode = OpRecv
	e.Fd = int32(fd)
	e.IoPrio = RecvMultishot
	e.Flags = SQEBufferSelect
	e.BufIndex = bgid
	e.UserData = userData
}

// PrepSend prepares a send of buf on fd.
func (e *SQE) PrepSend(fd int, buf []byte, msgFlags uint32, userData uint64) {
	e.Opcode = OpSend
	e.Fd = int32(fd)
	e.Addr = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	e.Len = uint32(len(buf))
	e.OpFlags = msgFlags
	e.UserData = userData
}

// PrepSendmsg prepares a sendmsg on fd. With FeatSubmitStable the msghdr and
// its iovec array need only live until the submitting enter returns; the
// bytes they point at must live until the CQE.
func (e *SQE) PrepSendmsg(fd int, msg *unix.Msghdr, msgFlags uint32, userData uint64) {
	e.Opcode = OpSendmsg
	e.Fd = int32(fd)
	e.Addr = uint64(uintptr(unsafe.Pointer(msg)))
	e.Len = 1
	e.OpFlags = msgFlags
	e.UserData = userData
}

// PrepRead prepares a read into buf from fd at the current file position.
func (e *SQE) PrepRead(fd int, buf []byte, userData uint64) {
	e.Opcode = OpRead
	e.Fd = int32(fd)
	e.Addr = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	e.Len = uint32(len(buf))
	e.Off = ^uint64(0) // -1: use and advance the file position
	e.UserData = userData
}

// PrepAcceptMultishot prepares a multishot accept on the listening socket
// fd: one CQE per accepted connection, res being the new fd. The peer
// address is not reported (one buffer would be overwritten by every
// connection); ask getpeername when needed.
func (e *SQE) PrepAcceptMultishot(fd int, acceptFlags uint32, userData uint64) {
	e.Opcode = OpAccept
	e.Fd = int32(fd)
	e.IoPrio = AcceptMultishot
	e.OpFlags = acceptFlags
	e.UserData = userData
}

// PrepCancel prepares the cancellation of the request(s) whose user_data is
// target; with CancelAll in flags, of every such request.
func (e *SQE) PrepCancel(target uint64, flags uint32, userData uint64) {
	e.Opcode = OpAsyncCancel
	e.Fd = -1
	e.Addr = target
	e.OpFlags = flags
	e.UserData = userData
}

// PrepCancelFd prepares the cancellation of the request(s) on fd; flags gets
// CancelFd added.
func (e *SQE) PrepCancelFd(fd int, flags uint32, userData uint64) {
	e.Opcode = OpAsyncCancel
	e.Fd = int32(fd)
	e.OpFlags = flags | CancelFd
	e.UserData = userData
}

// PrepShutdown prepares shutdown(fd, how).
func (e *SQE) PrepShutdown(fd, how int, userData uint64) {
	e.Opcode = OpShutdown
	e.Fd = int32(fd)
	e.Len = uint32(how)
	e.UserData = userData
}

// PrepClose prepares close(fd).
func (e *SQE) PrepClose(fd int, userData uint64) {
	e.Opcode = OpClose
	e.Fd = int32(fd)
	e.UserData = userData
}
