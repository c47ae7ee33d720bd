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
//		n, err := codec.Each(in, h.split, func(frame []byte) error {
//			if bytes.Equal(frame, quit) {
//				c.Write(ok)
//				return errQuit // or codec.ErrStop to just stop early
//			}
//			...
//			return nil
//		})
//		if err != nil {
//			c.Close() // after writing an error reply, if the protocol has one
//			return len(in)
//		}
//		return n
//	}
//
// Decoders never buffer: a frame longer than its maximum is reported as
// [ErrFrameTooLarge] as soon as that is known, so a peer cannot make the
// caller hold an unbounded amount of input. Decoding does not allocate.
//
// Each framing type also has an Append method, the matching encoder, which
// appends one frame to a caller-owned buffer in the style of
// [strconv.AppendInt].
//
// # The end of the input
//
// A bufio.Scanner calls a decoder one last time with atEOF set, and the
// decoders then report input that ends in the middle of a frame as
// [io.ErrUnexpectedEOF]. A netloop handler gets no such call: OnData is
// never told that the peer has finished sending, and [Each] always passes
// atEOF false. A frame cut short by the peer's close simply stays
// unconsumed; the handler's OnClose learns of it, as an error for which
// errors.Is(err, io.ErrUnexpectedEOF) holds, rather than the plain io.EOF
// of a peer that closed between frames.
//
// # Frame limits and MaxInput
//
// A netloop server keeps the input a handler leaves unconsumed, up to
// Config.MaxInput (4 MiB by default); past it the engine closes the
// connection, and the peer gets no reply at all. A decoder's Max is the
// limit the protocol can answer: set it below MaxInput, so that an oversized
// frame is refused by the codec first, while the handler can still write an
// error reply before closing (see the example "FrameTooLarge"). Make
// MaxInput at least Max plus one read (Config.ReadBufferSize): the engine
// checks its limit before OnData sees a read, and one read can bring the
// rest of a frame together with the start of the next. A protocol with
// large values (a 5 MB SET) needs both limits raised, and then holds up to
// MaxInput bytes per connection while a frame arrives.
package codec
