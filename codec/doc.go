// Package codec frames byte streams into messages.
//
// Every decoder is a pure function over bytes with the signature of
// [bufio.SplitFunc]: it looks at the start of data and returns how many bytes
// make up the first complete frame (advance), the frame itself (token, a
// sub-slice of data, never a copy), or (0, nil, nil) when more input is
// needed. The same method therefore works with a [bufio.Scanner] and inside
// a netloop handler, whose OnData receives all unconsumed input and returns
// how much of it was used:
//
//	func (h *handler) OnData(c conn.Conn, in []byte) int {
//		n, err := codec.Each(in, h.split, func(frame []byte) { ... })
//		if err != nil {
//			c.Close()
//		}
//		return n
//	}
//
// Decoders never buffer: a frame longer than its maximum is reported as
// [ErrFrameTooLarge] as soon as that is known, so a peer cannot make the
// caller hold an unbounded amount of input. Input that ends in the middle of
// a frame is reported as [io.ErrUnexpectedEOF] when atEOF is set. Decoding
// does not allocate.
//
// Each framing type also has an Append method, the matching encoder, which
// appends one frame to a caller-owned buffer in the style of
// [strconv.AppendInt].
package codec
