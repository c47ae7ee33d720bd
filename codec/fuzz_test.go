package codec_test

import (
	"bufio"
	"bytes"
	"errors"
	"testing"

	"github.com/netloop/netloop/codec"
)

// checkSplit asserts what every decoder promises, whatever the input: a
// frame lies inside the bytes it consumes, and feeding the input a piece at
// a time (as a network does) yields exactly the frames of feeding it whole.
func checkSplit(t *testing.T, split bufio.SplitFunc, in []byte, max int) {
	t.Helper()
	var whole [][]byte
	n, err := codec.Each(in, split, func(f []byte) error {
		if len(f) > max {
			t.Fatalf("frame of %d bytes exceeds max %d", len(f), max)
		}
		whole = append(whole, bytes.Clone(f))
		return nil
	})
	if n < 0 || n > len(in) {
		t.Fatalf("consumed %d of %d bytes", n, len(in))
	}
	// Byte by byte, with input kept across calls like netloop's leftover.
	var pending []byte
	var pieces [][]byte
	var perr error
	for _, b := range in {
		pending = append(pending, b)
		m, err := codec.Each(pending, split, func(f []byte) error {
			pieces = append(pieces, bytes.Clone(f))
			return nil
		})
		pending = pending[m:]
		if err != nil {
			perr = err
			break
		}
	}
	if !errors.Is(perr, err) {
		t.Fatalf("byte-by-byte error %v, whole-input error %v", perr, err)
	}
	if len(pieces) != len(whole) {
		t.Fatalf("byte-by-byte gave %d frames, whole input %d", len(pieces), len(whole))
	}
	for i := range whole {
		if !bytes.Equal(whole[i], pieces[i]) {
			t.Fatalf("frame %d: byte-by-byte %q, whole %q", i, pieces[i], whole[i])
		}
	}
	if err == nil {
		if _, _, eofErr := split(in[n:], true); len(in[n:]) > 0 && eofErr == nil {
			t.Fatalf("incomplete tail %q accepted at EOF", in[n:])
		}
	}
}

func FuzzDelimiter(f *testing.F) {
	f.Add([]byte("a\r\nb\n\r\n"), []byte{}, uint8(8))
	f.Add([]byte("x||y|"), []byte("||"), uint8(2))
	f.Add([]byte("12345678\r"), []byte{}, uint8(8))
	f.Fuzz(func(t *testing.T, in, delim []byte, max uint8) {
		d := codec.Delimiter{Delim: delim, Max: int(max)}
		limit := int(max)
		if limit == 0 {
			limit = codec.DefaultMaxFrame
		}
		checkSplit(t, d.Split, in, limit)
		// Append then Split round-trips any frame Append accepts.
		if out, err := d.Append(nil, in); err == nil {
			n, frame, err := d.Split(out, true)
			if err != nil || n != len(out) || !bytes.Equal(frame, in) {
				t.Fatalf("round trip of %q: %d %q %v", in, n, frame, err)
			}
		}
	})
}

func FuzzFixedLength(f *testing.F) {
	f.Add([]byte("abcdefg"), uint8(3))
	f.Add([]byte(""), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, size uint8) {
		if size == 0 {
			return
		}
		checkSplit(t, codec.FixedLength(size).Split, in, int(size))
	})
}

func FuzzLengthField(f *testing.F) {
	f.Add([]byte("\x00\x03abc\x00\x00"), uint8(0), uint8(2), false, int16(0), uint8(2), uint16(100))
	f.Add([]byte("T1\x05abT1\x03"), uint8(2), uint8(1), false, int16(-3), uint8(3), uint16(10))
	f.Add([]byte("\x02\x00\x00\x00hi"), uint8(0), uint8(4), true, int16(0), uint8(0), uint16(0))
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\xff\xff"), uint8(0), uint8(8), false, int16(-8), uint8(8), uint16(0))
	f.Fuzz(func(t *testing.T, in []byte, offset, size uint8, little bool, adj int16, strip uint8, max uint16) {
		lf := codec.LengthField{Offset: int(offset % 8), Size: int(size % 9), LittleEndian: little,
			Adjustment: int(adj), Strip: int(strip % 16), Max: int(max)}
		_, _, err := lf.Split(in, false)
		if errors.Is(err, codec.ErrConfig) {
			return
		}
		limit := lf.Max
		if limit == 0 {
			limit = codec.DefaultMaxFrame
		}
		checkSplit(t, lf.Split, in, limit)
		payload := in
		if len(payload) > 64 {
			payload = payload[:64]
		}
		header := make([]byte, lf.Offset)
		out, err := lf.Append(nil, header, payload)
		if err != nil {
			return
		}
		n, frame, err := lf.Split(out, true)
		if errors.Is(err, codec.ErrBadLength) && lf.Strip > len(out) {
			return // a frame may be too short for the configured strip
		}
		if err != nil || n != len(out) || !bytes.Equal(frame, out[lf.Strip:]) {
			t.Fatalf("round trip %+v of %q: %d %q %v", lf, payload, n, frame, err)
		}
	})
}
