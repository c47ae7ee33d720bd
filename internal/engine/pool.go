package engine

import (
	"math/bits"
	"sync"
)

// buffer is a pooled byte slice: a connection's leftover input or unsent
// output. Connections hold one only while they have bytes to keep.
type buffer struct {
	B   []byte
	off int // input only: the first unconsumed byte (inbound.go)
}

// Pooled buffers come in size classes of 512 B << i, up to 128 KiB; larger
// ones are allocated for the occasion and left to the garbage collector.
// Classes keep the pool exact whatever the traffic: a buffer is only ever
// handed out for a size it can hold, and a burst of large messages after a
// phase of small ones finds large buffers waiting, instead of a pool tuned
// to the old sizes dropping them.
//
// bytebufferpool, used for replies built off the loop (AsyncWriteBuffer),
// is not used here: it tunes the sizes it keeps to past traffic and drops
// the rest until it recalibrates, so after a phase of 64 B messages every
// 4 KiB echo allocated three times (BenchmarkEcho conns=1/size=4096:
// 4184 B/op with bytebufferpool, 0 B/op with these classes).
const (
	minClassBits = 9 // 512 B
	numClasses   = 9 // 512 B .. 128 KiB
)

// bufferPool is a set of size-classed pools. Input and output have one each
// because their sizes differ.
type bufferPool struct{ classes [numClasses]sync.Pool }

var inPool, outPool bufferPool

// get returns an empty buffer with room for at least n bytes.
func (p *bufferPool) get(n int) *buffer {
	i := classFor(n)
	if i >= numClasses {
		return &buffer{B: make([]byte, 0, n)}
	}
	if b, _ := p.classes[i].Get().(*buffer); b != nil {
		return b
	}
	return &buffer{B: make([]byte, 0, 512<<i)}
}

// put returns b to the class its capacity fills.
func (p *bufferPool) put(b *buffer) {
	i := classOf(cap(b.B))
	if i < 0 || i >= numClasses {
		return
	}
	b.B, b.off = b.B[:0], 0
	p.classes[i].Put(b)
}

// classFor is the smallest class whose buffers hold n bytes.
func classFor(n int) int {
	if n <= 1<<minClassBits {
		return 0
	}
	return bits.Len(uint(n-1)) - minClassBits
}

// classOf is the largest class a buffer of capacity c can serve, -1 if none.
func classOf(c int) int {
	if c < 1<<minClassBits {
		return -1
	}
	return bits.Len(uint(c)) - 1 - minClassBits
}
