package conn

import "github.com/valyala/bytebufferpool"

// Connection buffers come from two pools, one for leftover input and one
// for output, because their sizes differ: bytebufferpool learns the usual
// size of each and drops buffers far above it.
var inPool, outPool bytebufferpool.Pool

// putBuf returns b to p. The pool calibrates the sizes it keeps from the
// length of what it is given, so b goes back at its full capacity: handed
// back empty, every buffer would look tiny, the pool would learn to keep
// only tiny ones, and each larger buffer would be dropped and allocated
// again on the next use.
func putBuf(p *bytebufferpool.Pool, b *bytebufferpool.ByteBuffer) {
	b.B = b.B[:cap(b.B)]
	p.Put(b)
}
