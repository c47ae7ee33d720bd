package codec

import (
	"encoding/binary"
	"io"
	"math"
)

// LengthField frames messages that carry their own length in a header field,
// the framing of most binary protocols.
//
// A frame is laid out as
//
//	| Offset bytes | length field: Size bytes | rest |
//
// where the length of rest is the field's value plus Adjustment. Adjustment
// lets the field count something other than the rest: a field that counts
// the whole frame, header included, uses Adjustment = -(Offset + Size).
// Strip removes that many bytes from the start of the frame before it is
// returned, typically Offset + Size to hand back only the payload.
//
// The zero value is not usable; Size must be 1, 2, 4 or 8.
type LengthField struct {
	// Offset is the number of bytes before the length field.
	Offset int
	// Size is the width of the length field in bytes: 1, 2, 4 or 8.
	Size int
	// LittleEndian selects the byte order of the length field; the default
	// is big endian (network order).
	LittleEndian bool
	// Adjustment is added to the field's value to give the number of bytes
	// that follow the length field. It may be negative.
	Adjustment int
	// Strip is the number of bytes removed from the start of each decoded
	// frame. It may not exceed the frame's length.
	Strip int
	// Max is the maximum length of a whole frame, header included, before
	// stripping. Zero means DefaultMaxFrame. Field values above 2^31-1
	// are refused whatever Max says, so the arithmetic cannot overflow.
	Max int
}

// Split returns the first frame in data, less its first Strip bytes. It has
// the signature of [bufio.SplitFunc]. A frame longer than Max is reported
// as soon as its header has arrived.
func (f LengthField) Split(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if !f.valid() {
		return 0, nil, ErrConfig
	}
	header := f.Offset + f.Size
	if len(data) < header {
		if atEOF && len(data) > 0 {
			return 0, nil, io.ErrUnexpectedEOF
		}
		return 0, nil, nil
	}
	v := f.read(data[f.Offset:header])
	max := limit(f.Max)
	// Compare in uint64 first so that a huge field cannot overflow the sum.
	if v > math.MaxInt32 {
		return 0, nil, ErrFrameTooLarge
	}
	n := header + int(v) + f.Adjustment
	switch {
	case n > max:
		return 0, nil, ErrFrameTooLarge
	case n < header || n < f.Strip:
		return 0, nil, ErrBadLength
	case len(data) < n:
		if atEOF {
			return 0, nil, io.ErrUnexpectedEOF
		}
		return 0, nil, nil
	}
	return n, data[f.Strip:n], nil
}

// Append appends one frame to dst: header, which must be Offset bytes long,
// then the length field, then payload. The field's value is
// len(payload) - Adjustment, so that Split returns the same frame. It returns
// ErrBadLength if that value is negative or does not fit in Size bytes, and
// ErrFrameTooLarge if the frame would be longer than Max.
func (f LengthField) Append(dst, header, payload []byte) ([]byte, error) {
	if !f.valid() || len(header) != f.Offset {
		return dst, ErrConfig
	}
	if f.Offset+f.Size+len(payload) > limit(f.Max) {
		return dst, ErrFrameTooLarge
	}
	v := len(payload) - f.Adjustment
	if v < 0 || (f.Size < 8 && uint64(v) >= 1<<(8*f.Size)) {
		return dst, ErrBadLength
	}
	dst = append(dst, header...)
	dst = f.write(dst, uint64(v))
	return append(dst, payload...), nil
}

func (f LengthField) valid() bool {
	switch f.Size {
	case 1, 2, 4, 8:
		return f.Offset >= 0 && f.Strip >= 0
	}
	return false
}

func (f LengthField) order() binary.AppendByteOrder {
	if f.LittleEndian {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

// read decodes the length field b, which is exactly f.Size bytes.
func (f LengthField) read(b []byte) uint64 {
	var order binary.ByteOrder = binary.BigEndian
	if f.LittleEndian {
		order = binary.LittleEndian
	}
	switch f.Size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(order.Uint16(b))
	case 4:
		return uint64(order.Uint32(b))
	}
	return order.Uint64(b)
}

// write appends v as a length field of f.Size bytes.
func (f LengthField) write(dst []byte, v uint64) []byte {
	order := f.order()
	switch f.Size {
	case 1:
		return append(dst, byte(v))
	case 2:
		return order.AppendUint16(dst, uint16(v))
	case 4:
		return order.AppendUint32(dst, uint32(v))
	}
	return order.AppendUint64(dst, v)
}
