//go:build linux

package uring

// Opcodes (enum io_uring_op) used by netloop.
const (
	OpNop         = 0
	OpPollAdd     = 6
	OpSendmsg     = 9
	OpRecvmsg     = 10
	OpTimeout     = 11
	OpAccept      = 13
	OpAsyncCancel = 14
	OpClose       = 19
	OpRead        = 22
	OpWrite       = 23
	OpSend        = 26
	OpRecv        = 27
	OpShutdown    = 34
	OpMsgRing     = 40
	OpSendZC      = 47
)

// SQE flags (sqe.flags).
const (
	SQEFixedFile      = 1 << 0
	SQEIODrain        = 1 << 1
	SQEIOLink         = 1 << 2
	SQEIOHardlink     = 1 << 3
	SQEAsync          = 1 << 4
	SQEBufferSelect   = 1 << 5
	SQECQESkipSuccess = 1 << 6
)

// Operation modifiers carried in sqe.ioprio.
const (
	RecvSendPollFirst = 1 << 0 // send/recv: poll before the first attempt
	RecvMultishot     = 1 << 1 // recv: stay armed, one CQE per buffer
	AcceptMultishot   = 1 << 0 // accept: stay armed, one CQE per connection
)

// ASYNC_CANCEL flags (sqe.cancel_flags).
const (
	CancelAll      = 1 << 0
	CancelFd       = 1 << 1
	CancelAny      = 1 << 2
	CancelFdFixed  = 1 << 3
	CancelUserData = 1 << 4
)

// CQE flags (cqe.flags).
const (
	CQEFBuffer       = 1 << 0 // a provided buffer was used; its id is flags >> CQEBufferShift
	CQEFMore         = 1 << 1 // a multishot request stays armed: more CQEs follow
	CQEFSockNonempty = 1 << 2 // the socket still held data after this receive
	CQEFNotif        = 1 << 3 // SEND_ZC buffer-release notification
	CQEBufferShift   = 16
)

// Setup flags (io_uring_params.flags).
const (
	SetupIOPoll           = 1 << 0
	SetupSQPoll           = 1 << 1
	SetupSQAff            = 1 << 2
	SetupCQSize           = 1 << 3
	SetupClamp            = 1 << 4
	SetupAttachWQ         = 1 << 5
	SetupRDisabled        = 1 << 6
	SetupSubmitAll        = 1 << 7
	SetupCoopTaskrun      = 1 << 8
	SetupTaskrunFlag      = 1 << 9
	SetupSQE128           = 1 << 10
	SetupCQE32            = 1 << 11
	SetupSingleIssuer     = 1 << 12
	SetupDeferTaskrun     = 1 << 13
	SetupNoMmap           = 1 << 14
	SetupRegisteredFdOnly = 1 << 15
	SetupNoSQArray        = 1 << 16
)

// Feature bits (io_uring_params.features) netloop relies on.
const (
	FeatSingleMmap    = 1 << 0
	FeatNoDrop        = 1 << 1
	FeatSubmitStable  = 1 << 2
	FeatFastPoll      = 1 << 5
	FeatExtArg        = 1 << 8
	FeatNativeWorkers = 1 << 9
)

// io_uring_enter flags.
const (
	enterGetEvents      = 1 << 0
	enterExtArg         = 1 << 3
	enterRegisteredRing = 1 << 4
)

// SQ ring flags (read from the kernel-written sq flags word).
const (
	sqNeedWakeup = 1 << 0
	sqCQOverflow = 1 << 1
	sqTaskrun    = 1 << 2
)

// CQ ring flags, written by us and read by the kernel.
const cqEventfdDisabled = 1 << 0

// io_uring_register opcodes.
const (
	registerEventfd     = 4
	registerProbe       = 8
	registerEnableRings = 12
	registerRingFds     = 20
	unregisterRingFds   = 21
	registerPbufRing    = 22
	unregisterPbufRing  = 23
)

// mmap offsets of the ring regions.
const (
	offSQRing = 0
	offCQRing = 0x8000000
	offSQEs   = 0x10000000
)

// Limits from the kernel (liburing setup.c).
const (
	maxSQEntries  = 32768
	maxCQEntries  = 65536
	maxBufEntries = 32768
)
