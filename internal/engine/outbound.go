package engine

import "github.com/netloop/netloop/conn"

// outbound is a connection's unsent output: a chain of pooled blocks. A
// byte once queued is never copied again, however much is queued behind or
// ahead of it: the engine hands the blocks to the kernel as they are, one
// write for a single block, writev or a sendmsg of several iovecs for more.
// Block sizes grow geometrically from the class of the first write to
// maxBlock, so a small reply sits in one small block and a large queue in
// few large ones. It holds no block while empty.
//
// A block is never reallocated: a write that does not fit starts a new
// block, so the bytes an asynchronous send names stay where they are.
// Appending to the last block while a send of it is in flight writes only
// past the bytes the send names. Blocks go back to the pool in advance,
// after the kernel is done with them; a release while a send is in flight
// leaves them to the garbage collector once the engine drops its
// references, never to another connection.
//
// A connection holds an outbound only while it has output queued (or
// completions waiting, or a send in flight): it takes one from its loop's
// free list when it first queues output and gives it back when Advance
// has drained it, so an idle connection carries none and a busy one
// allocates none in steady state. Its methods treat a nil *outbound as
// empty.
type outbound struct {
	blocks  []*buffer  // blocks[first:] hold the output, in order
	inline  [4]*buffer // blocks' first array, so short chains allocate nothing
	first   int        // index of the first block with unsent bytes
	head    int        // first unsent byte in blocks[first]
	n       int        // unsent bytes in all blocks
	inSend  bool       // blocks are in an asynchronous send until advance
	queued  uint64     // bytes ever queued, to place completion notes
	written uint64     // bytes ever handed to the kernel
	notes   []note     // AsyncWrite completions, in queue order
}

// maxBlock is the largest block a chain grows to: 64 KiB, large enough that
// a megabyte goes out in one writev of 16 iovecs, small enough that the
// slack a connection holds past its high-water mark stays small.
const maxBlock = 64 << 10

// note is an AsyncWrite completion, due once written reaches end.
type note struct {
	end  uint64
	done func(conn.Conn, error)
}

func (o *outbound) len() int {
	if o == nil {
		return 0
	}
	return o.n
}

// maxFreeOutbound bounds a loop's free list of outbounds (about 130 bytes
// each): enough for every connection that has output queued at once in a
// busy loop, without pinning the memory a burst of them took for ever.
const maxFreeOutbound = 1024

// getOutbound takes an empty outbound from the loop's free list, or
// allocates one. Loop only.
func (l *Loop) getOutbound() *outbound {
	if n := len(l.outbounds); n > 0 {
		o := l.outbounds[n-1]
		l.outbounds[n-1] = nil
		l.outbounds = l.outbounds[:n-1]
		return o
	}
	return new(outbound)
}

// putOutbound gives back an outbound with nothing queued, no completions
// and no send in flight. Loop only.
func (l *Loop) putOutbound(o *outbound) {
	if len(l.outbounds) < maxFreeOutbound {
		*o = outbound{}
		l.outbounds = append(l.outbounds, o)
	}
}

func (o *outbound) append(p []byte) {
	o.queued += uint64(len(p))
	o.n += len(p)
	for len(p) > 0 {
		if o.first < len(o.blocks) {
			last := o.blocks[len(o.blocks)-1]
			k := copy(last.B[len(last.B):cap(last.B)], p)
			last.B = last.B[:len(last.B)+k]
			p = p[k:]
			if len(p) == 0 {
				return
			}
		}
		o.push(outPool.get(o.nextBlockSize(len(p))))
	}
}

// nextBlockSize is the size of the block to start for need more bytes: at
// least need, at least twice the last block, at most maxBlock.
func (o *outbound) nextBlockSize(need int) int {
	if o.first < len(o.blocks) {
		need = max(need, 2*cap(o.blocks[len(o.blocks)-1].B))
	}
	return min(need, maxBlock)
}

// push adds an empty block at the end of the chain. The slice of block
// pointers is compacted rather than grown when its front is free, so a
// connection that always has some output queued does not grow it forever.
func (o *outbound) push(b *buffer) {
	if o.blocks == nil {
		o.blocks = o.inline[:0]
	}
	if len(o.blocks) == cap(o.blocks) && o.first > 0 {
		n := copy(o.blocks, o.blocks[o.first:])
		clear(o.blocks[n:])
		o.blocks = o.blocks[:n]
		o.first = 0
	}
	o.blocks = append(o.blocks, b)
}

// pending returns the unsent bytes of the first block: empty exactly when
// nothing is pending.
func (o *outbound) pending() []byte {
	if o == nil || o.first == len(o.blocks) {
		return nil
	}
	return o.blocks[o.first].B[o.head:]
}

// pendingVec appends the unsent bytes, one slice per block and in order, to
// dst, but no more slices than dst has spare capacity for.
func (o *outbound) pendingVec(dst [][]byte) [][]byte {
	if o == nil {
		return dst
	}
	for i := o.first; i < len(o.blocks) && len(dst) < cap(dst); i++ {
		b := o.blocks[i].B
		if i == o.first {
			b = b[o.head:]
		}
		dst = append(dst, b)
	}
	return dst
}

// advance records that n pending bytes were handed to the kernel and
// returns the blocks sent in full to the pool.
func (o *outbound) advance(n int) {
	o.inSend = false
	o.written += uint64(n)
	o.n -= n
	for n > 0 {
		b := o.blocks[o.first]
		if rest := len(b.B) - o.head; n < rest {
			o.head += n
			return
		} else {
			n -= rest
		}
		o.head = 0
		outPool.put(b)
		o.blocks[o.first] = nil
		o.first++
	}
	if o.first == len(o.blocks) {
		o.reset()
	}
}

// reset empties the chain of block pointers, letting a long one's array go.
func (o *outbound) reset() {
	if cap(o.blocks) > len(o.inline) {
		o.blocks = nil
	}
	clear(o.blocks)
	o.blocks = o.blocks[:0]
	o.first, o.head, o.n = 0, 0, 0
}

// release drops any unsent output.
func (o *outbound) release() {
	for i := o.first; i < len(o.blocks); i++ {
		if !o.inSend {
			outPool.put(o.blocks[i])
		}
	}
	o.reset()
	o.inSend = false
}
