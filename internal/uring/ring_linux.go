//go:build linux

package uring

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Ring is one io_uring instance: its fd, the mmap'd submission and
// completion rings, and the SQE array. It is not safe for concurrent use and
// must stay on the OS thread that created it (see the package doc).
type Ring struct {
	fd         int    // the real ring fd, closed by Close
	enterFd    int    // fd passed to enter: the registered index or fd
	enterFlags uint32 // enterRegisteredRing when enterFd is an index
	setupFlags uint32 // the flags the kernel accepted
	features   uint32

	sq submissionQueue
	cq completionQueue

	ringMem []byte // SQ and CQ rings (one mapping with FeatSingleMmap)
	cqMem   []byte // the CQ ring when it has its own mapping
	sqeMem  []byte // the SQE array

	// arg and ts are handed to the kernel by address during enter; they live
	// here, on the heap, because goroutine stacks may move.
	arg getEventsArg
	ts  kernelTimespec
}

type submissionQueue struct {
	head    *uint32 // written by the kernel
	tail    *uint32 // written by us, read by the kernel
	flags   *uint32 // written by the kernel
	dropped *uint32
	sqes    []SQE
	mask    uint32
	entries uint32
	// localTail counts SQEs handed out by GetSQE; it is published to tail
	// by Submit.
	localTail uint32
}

type completionQueue struct {
	head     *uint32 // written by us, read by the kernel
	tail     *uint32 // written by the kernel
	overflow *uint32
	flags    *uint32 // written by us, read by the kernel
	cqes     []CQE
	mask     uint32
	entries  uint32
}

// setupAttempts lists the flag sets New tries, best first. A kernel that
// rejects a flag answers EINVAL, and New drops to the next set.
var setupAttempts = []uint32{
	// Everything: one submitter task, completions run only when we ask
	// (DEFER_TASKRUN), no SQ index array (6.6+).
	SetupSingleIssuer | SetupDeferTaskrun | SetupTaskrunFlag | SetupSubmitAll | SetupNoSQArray,
	// Kernels 6.1-6.5: no NO_SQARRAY.
	SetupSingleIssuer | SetupDeferTaskrun | SetupTaskrunFlag | SetupSubmitAll,
	// Kernels 6.0: no DEFER_TASKRUN; cooperative task work instead.
	SetupSingleIssuer | SetupCoopTaskrun | SetupTaskrunFlag | SetupSubmitAll,
	// Kernels 5.19.
	SetupCoopTaskrun | SetupTaskrunFlag | SetupSubmitAll,
	// Kernels 5.18.
	SetupSubmitAll,
	0,
}

// New sets up a ring with room for sqEntries submissions and cqEntries
// completions (0 means twice sqEntries; both are rounded up to powers of two
// and clamped to the kernel's limits), using the best setup flags the kernel
// accepts. The ring belongs to the calling thread: the goroutine must be
// locked to it.
func New(sqEntries, cqEntries uint32) (*Ring, error) {
	r, err := newRing(sqEntries, cqEntries, 0)
	if err != nil {
		return nil, err
	}
	r.registerRingFd()
	return r, nil
}

// NewDisabled sets up a ring as New does, but disabled: it belongs to no
// thread yet. Until [Ring.Enable] it accepts registrations (buffer rings, a
// probe) from any goroutine, and nothing else. This lets a server allocate
// its rings, and report failures, before the threads that will run them
// exist.
func NewDisabled(sqEntries, cqEntries uint32) (*Ring, error) {
	return newRing(sqEntries, cqEntries, SetupRDisabled)
}

func newRing(sqEntries, cqEntries, extra uint32) (*Ring, error) {
	if sqEntries == 0 {
		return nil, errors.New("uring: zero sqEntries")
	}
	if cqEntries == 0 {
		cqEntries = 2 * sqEntries
	}
	var p params
	var fd int
	var err error
	for _, flags := range setupAttempts {
		p = params{flags: flags | extra | SetupCQSize | SetupClamp, cqEntries: cqEntries}
		fd, err = setup(min(sqEntries, maxSQEntries), &p)
		if err != unix.EINVAL {
			break
		}
	}
	if err != nil {
		return nil, os.NewSyscallError("io_uring_setup", err)
	}
	r := &Ring{fd: fd, enterFd: fd, setupFlags: p.flags, features: p.features}
	if err := r.mmap(&p); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Enable makes a ring from NewDisabled the calling thread's: with
// SINGLE_ISSUER, the thread that enables a disabled ring becomes its only
// submitter. The goroutine must be locked to its thread.
func (r *Ring) Enable() error {
	if _, err := r.register(registerEnableRings, nil, 0); err != nil {
		return os.NewSyscallError("io_uring_register enable rings", err)
	}
	r.registerRingFd()
	return nil
}

func setup(entries uint32, p *params) (int, error) {
	// Setup cannot block, so the raw variant is fine.
	fd, _, errno := unix.RawSyscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(p)), 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// mmap maps the rings at the offsets the kernel returned in p.
func (r *Ring) mmap(p *params) error {
	// With NO_SQARRAY, sqOff.array is 0 and this over-asks a little; the
	// single mapping below is sized by the CQ ring anyway.
	sqLen := int(p.sqOff.array) + int(p.sqEntries)*4
	cqLen := int(p.cqOff.cqes) + int(p.cqEntries)*int(unsafe.Sizeof(CQE{}))
	single := p.features&FeatSingleMmap != 0
	if single {
		sqLen = max(sqLen, cqLen)
	}
	mem, err := unix.Mmap(r.fd, offSQRing, sqLen, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return os.NewSyscallError("mmap sq ring", err)
	}
	r.ringMem = mem
	cqMem := mem
	if !single {
		cqMem, err = unix.Mmap(r.fd, offCQRing, cqLen, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
		if err != nil {
			return os.NewSyscallError("mmap cq ring", err)
		}
		r.cqMem = cqMem
	}
	sqeLen := int(p.sqEntries) * int(unsafe.Sizeof(SQE{}))
	r.sqeMem, err = unix.Mmap(r.fd, offSQEs, sqeLen, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return os.NewSyscallError("mmap sqes", err)
	}

	sq := &r.sq
	sq.head = u32At(mem, p.sqOff.head)
	sq.tail = u32At(mem, p.sqOff.tail)
	sq.flags = u32At(mem, p.sqOff.flags)
	sq.dropped = u32At(mem, p.sqOff.dropped)
	sq.mask = *u32At(mem, p.sqOff.ringMask)
	sq.entries = *u32At(mem, p.sqOff.ringEntries)
	sq.sqes = unsafe.Slice((*SQE)(unsafe.Pointer(&r.sqeMem[0])), sq.entries)
	sq.localTail = *sq.tail
	if p.flags&SetupNoSQArray == 0 {
		// Without NO_SQARRAY the kernel reads SQE indices through this
		// array; an identity map lets us index SQEs by tail&mask.
		array := unsafe.Slice(u32At(mem, p.sqOff.array), sq.entries)
		for i := range array {
			array[i] = uint32(i)
		}
	}

	cq := &r.cq
	cq.head = u32At(cqMem, p.cqOff.head)
	cq.tail = u32At(cqMem, p.cqOff.tail)
	cq.overflow = u32At(cqMem, p.cqOff.overflow)
	cq.flags = u32At(cqMem, p.cqOff.flags)
	cq.mask = *u32At(cqMem, p.cqOff.ringMask)
	cq.entries = *u32At(cqMem, p.cqOff.ringEntries)
	cq.cqes = unsafe.Slice((*CQE)(unsafe.Pointer(&cqMem[p.cqOff.cqes])), cq.entries)
	return nil
}

func u32At(mem []byte, off uint32) *uint32 {
	return (*uint32)(unsafe.Pointer(&mem[off]))
}

// registerRingFd registers the ring fd with the calling thread so that enter
// skips the fd table lookup. Failure only costs that lookup, so it is not an
// error.
func (r *Ring) registerRingFd() {
	up := rsrcUpdate{offset: ^uint32(0), data: uint64(r.fd)}
	n, err := r.register(registerRingFds, unsafe.Pointer(&up), 1)
	if err != nil || n != 1 {
		return
	}
	r.enterFd = int(up.offset)
	r.enterFlags = enterRegisteredRing
}

// register calls io_uring_register on the real ring fd. It cannot block.
func (r *Ring) register(op uintptr, arg unsafe.Pointer, nr uintptr) (int, error) {
	n, _, errno := unix.RawSyscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), op, uintptr(arg), nr, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// Fd returns the ring's file descriptor.
func (r *Ring) Fd() int { return r.fd }

// SetupFlags returns the setup flags the kernel accepted.
func (r *Ring) SetupFlags() uint32 { return r.setupFlags }

// Features returns the kernel's IORING_FEAT_* bits.
func (r *Ring) Features() uint32 { return r.features }

// SQEntries returns the number of submission queue entries the kernel chose.
func (r *Ring) SQEntries() uint32 { return r.sq.entries }

// CQEntries returns the number of completion queue entries the kernel chose.
func (r *Ring) CQEntries() uint32 { return r.cq.entries }

// Close unmaps the rings and closes the ring fd. Like every other method it
// must run on the ring's thread, where the ring fd is registered. Operations
// still in flight are cancelled by the kernel asynchronously; memory they
// reference must stay alive until they finish, so a proactor drains its ring
// before Close.
func (r *Ring) Close() error {
	if r.fd < 0 {
		return nil
	}
	if r.enterFlags&enterRegisteredRing != 0 {
		up := rsrcUpdate{offset: uint32(r.enterFd)}
		r.register(unregisterRingFds, unsafe.Pointer(&up), 1)
	}
	for _, m := range [][]byte{r.sqeMem, r.cqMem, r.ringMem} {
		if m != nil {
			unix.Munmap(m)
		}
	}
	r.sqeMem, r.cqMem, r.ringMem = nil, nil, nil
	r.sq = submissionQueue{}
	r.cq = completionQueue{}
	err := unix.Close(r.fd)
	r.fd = -1
	if err != nil {
		return fmt.Errorf("uring: close ring: %w", err)
	}
	return nil
}
