package engine

// inbound is the input a handler left unconsumed: one contiguous pooled
// buffer, because OnData is shown all of it as one slice. What a handler
// consumes is skipped, not copied away, and the buffer grows geometrically,
// so awaiting a large frame or consuming a long leftover piece by piece
// costs time linear in its size. It holds no buffer while empty.
//
// The offset of the first unconsumed byte lives in the buffer (buffer.off),
// not here, so that a connection without leftover input carries only a nil
// pointer.
type inbound struct {
	buf *buffer
}

func (in *inbound) len() int {
	if in.buf == nil {
		return 0
	}
	return len(in.buf.B) - in.buf.off
}

// bytes returns the unconsumed input, valid until the next append.
func (in *inbound) bytes() []byte { return in.buf.B[in.buf.off:] }

// append keeps a copy of p after the unconsumed input. When the buffer is
// full, the live bytes move to its front if at least half of it is
// consumed (each byte moved was paid for by a byte consumed), and otherwise
// to a buffer at least twice as large (each byte moved was paid for by a
// byte appended since the last move).
func (in *inbound) append(p []byte) {
	if in.buf == nil {
		in.buf = inPool.get(len(p))
	}
	b := in.buf
	if len(b.B)+len(p) > cap(b.B) {
		live := len(b.B) - b.off
		if b.off >= live && live+len(p) <= cap(b.B) {
			b.B = b.B[:copy(b.B, b.B[b.off:])]
		} else {
			nb := inPool.get(max(live+len(p), 2*cap(b.B)))
			nb.B = append(nb.B, b.B[b.off:]...)
			inPool.put(b)
			in.buf = nb
		}
		in.buf.off = 0
	}
	in.buf.B = append(in.buf.B, p...)
}

// consume drops the first n unconsumed bytes, and the buffer once none is
// left.
func (in *inbound) consume(n int) {
	in.buf.off += n
	if in.buf.off == len(in.buf.B) {
		in.release()
	}
}

// release drops the unconsumed input.
func (in *inbound) release() {
	if in.buf != nil {
		inPool.put(in.buf)
	}
	in.buf = nil
}
