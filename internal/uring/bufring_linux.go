//go:build linux

package uring

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// BufRing is a provided-buffer ring: a group of equally sized buffers the
// kernel picks from for receives that carry SQEBufferSelect. Both the ring
// and the buffers are anonymous mmap'd memory, outside the Go heap, so the
// kernel may write into them however long a receive stays armed.
//
// A buffer the kernel filled (CQE.BufferID) belongs to the application until
// it is handed back with Recycle; handed-back buffers become visible to the
// kernel at the next Publish.
//
// The ring offers the kernel only as many buffers as receives have lately
// needed at once (starting at 64, doubling at each Grow), and the ones most
// recently handed back first. The kernel takes buffers in ring order, so a
// ring that offered all of them would cycle through every buffer: with 512
// of 16 KiB, 8 MiB of memory touched (resident) and copied into cold from
// the cache. Offered last-in first-out, a few hot buffers carry the traffic
// and the others are never touched.
type BufRing struct {
	ring     []byte // entries * 16 bytes of bufEntry
	slab     []byte // entries * size bytes of buffers
	bufs     []bufEntry
	size     int
	mask     uint16
	bgid     uint16
	tail     uint16  // local tail: entries added, not yet necessarily published
	tailWord *uint32 // bufs[0].bid | tail<<16, the word the kernel reads the tail from

	idle   []uint16 // handed back, not offered: the most recently handed back last
	out    int      // offered and not handed back since: in the ring or in use
	target int      // how many to keep offered
}

// initialOffer is how many buffers a ring offers before its first Grow:
// enough for a wait's worth of receives on a few dozen busy connections.
const initialOffer = 64

// NewBufRing allocates entries buffers of size bytes, registers them with r
// as buffer group bgid, and hands all of them to the kernel. entries must be
// a power of two no larger than 32768.
func (r *Ring) NewBufRing(bgid uint16, entries, size int) (*BufRing, error) {
	if entries <= 0 || entries > maxBufEntries || entries&(entries-1) != 0 || size <= 0 {
		return nil, fmt.Errorf("uring: bad buffer ring shape %d x %d", entries, size)
	}
	ringMem, err := unix.Mmap(-1, 0, entries*int(unsafe.Sizeof(bufEntry{})),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, os.NewSyscallError("mmap buffer ring", err)
	}
	slab, err := unix.Mmap(-1, 0, entries*size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		unix.Munmap(ringMem)
		return nil, os.NewSyscallError("mmap buffers", err)
	}
	b := &BufRing{
		ring:     ringMem,
		slab:     slab,
		bufs:     unsafe.Slice((*bufEntry)(unsafe.Pointer(&ringMem[0])), entries),
		size:     size,
		mask:     uint16(entries - 1),
		bgid:     bgid,
		tailWord: (*uint32)(unsafe.Pointer(&ringMem[12])),
	}
	reg := bufReg{ringAddr: uint64(uintptr(unsafe.Pointer(&ringMem[0]))), ringEntries: uint32(entries), bgid: bgid}
	if _, err := r.register(registerPbufRing, unsafe.Pointer(&reg), 1); err != nil {
		b.free()
		return nil, os.NewSyscallError("io_uring_register pbuf ring", err)
	}
	b.idle = make([]uint16, entries)
	for i := range b.idle {
		b.idle[i] = uint16(entries - 1 - i) // buffer 0 on top
	}
	b.target = min(entries, initialOffer)
	b.Publish()
	return b, nil
}

// Group returns the buffer group id receives name in SQE.BufIndex.
func (b *BufRing) Group() uint16 { return b.bgid }

// Size returns the size of each buffer.
func (b *BufRing) Size() int { return b.size }

// Buf returns the first n bytes of buffer bid.
func (b *BufRing) Buf(bid uint16, n int) []byte {
	off := int(bid) * b.size
	return b.slab[off : off+n : off+b.size]
}

// Recycle hands buffer bid back, to be offered to the kernel again at the
// next Publish.
func (b *BufRing) Recycle(bid uint16) {
	b.idle = append(b.idle, bid)
	b.out--
}

// Grow doubles how many buffers the ring offers, up to all of them. The
// application calls it when a receive found the ring empty (ENOBUFS).
func (b *BufRing) Grow() {
	b.target = min(2*b.target, len(b.bufs))
}

// Publish offers the kernel buffers handed back, most recent first, until
// the ring's target is on offer.
func (b *BufRing) Publish() {
	if b.out >= b.target || len(b.idle) == 0 {
		return
	}
	for b.out < b.target && len(b.idle) > 0 {
		bid := b.idle[len(b.idle)-1]
		b.idle = b.idle[:len(b.idle)-1]
		e := &b.bufs[b.tail&b.mask]
		// Plain stores are fine: the kernel reads this slot only after
		// the tail that covers it is published, which the store below
		// orders after them.
		e.addr = uint64(uintptr(unsafe.Pointer(&b.slab[int(bid)*b.size])))
		e.len = uint32(b.size)
		e.bid = bid
		b.tail++
		b.out++
	}
	// The tail is the u16 at byte 14, overlaying entry 0's resv; Go has no
	// 16-bit atomic store, so store the aligned u32 at byte 12 holding
	// entry 0's bid (only we write it) and the tail. Release: the entries
	// written above must be visible before the tail that covers them.
	word := uint32(b.bufs[0].bid) | uint32(b.tail)<<16
	atomic.StoreUint32(b.tailWord, word)
}

// Close unregisters the group from r and frees its memory. No receive that
// selects from this group may still be in flight.
func (b *BufRing) Close(r *Ring) error {
	reg := bufReg{bgid: b.bgid}
	_, err := r.register(unregisterPbufRing, unsafe.Pointer(&reg), 1)
	b.free()
	if err != nil {
		return os.NewSyscallError("io_uring_register unregister pbuf ring", err)
	}
	return nil
}

func (b *BufRing) free() {
	unix.Munmap(b.slab)
	unix.Munmap(b.ring)
	b.slab, b.ring, b.bufs = nil, nil, nil
}
