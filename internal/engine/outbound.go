package engine

import "github.com/netloop/netloop/conn"

// outbound is a connection's unsent output: one contiguous pooled buffer,
// so a flush is a single write or send whatever the number of Write calls
// that filled it. It holds no buffer while empty.
//
// Bytes already handed to the kernel are never moved while a send may be in
// flight: the buffer is compacted only in advance, which engines call after
// the kernel is done with the bytes. A proactor must still keep the slice it
// submitted referenced until the completion, because a later append may
// reallocate the buffer.
type outbound struct {
	buf    *buffer
	head   int  // first unsent byte in buf.B
	inSend bool // buf's bytes are in an asynchronous send until advance

	queued  uint64 // bytes ever queued, to place completion notes
	written uint64 // bytes ever handed to the kernel
	notes   []note // AsyncWrite completions, in queue order
}

// note is an AsyncWrite completion, due once written reaches end.
type note struct {
	end  uint64
	done func(conn.Conn, error)
}

func (o *outbound) len() int {
	if o.buf == nil {
		return 0
	}
	return len(o.buf.B) - o.head
}

func (o *outbound) append(p []byte) {
	if len(p) == 0 {
		return
	}
	switch {
	case o.buf == nil:
		o.buf = outPool.get(len(p))
	case len(o.buf.B)+len(p) > cap(o.buf.B):
		old := o.buf
		o.buf = outPool.grown(old, len(p))
		// A buffer the kernel may still be reading from is left to the
		// garbage collector once the engine drops its reference, never
		// handed to another connection.
		if !o.inSend {
			outPool.put(old)
		}
	}
	o.buf.B = append(o.buf.B, p...)
	o.queued += uint64(len(p))
}

func (o *outbound) pending() []byte {
	if o.buf == nil {
		return nil
	}
	return o.buf.B[o.head:]
}

// advance records that n pending bytes were handed to the kernel and returns
// the buffer to the pool once nothing is left.
func (o *outbound) advance(n int) {
	o.inSend = false
	o.head += n
	o.written += uint64(n)
	if o.head < len(o.buf.B) {
		// Compact when the sent prefix dominates, so a connection that
		// keeps a little output pending cannot grow the buffer forever.
		if o.head >= len(o.buf.B)-o.head && o.head >= 4096 {
			o.buf.B = o.buf.B[:copy(o.buf.B, o.buf.B[o.head:])]
			o.head = 0
		}
		return
	}
	o.head = 0
	outPool.put(o.buf)
	o.buf = nil
}

// release drops any unsent output.
func (o *outbound) release() {
	if o.buf != nil && !o.inSend {
		outPool.put(o.buf)
	}
	o.buf = nil
	o.head = 0
}
