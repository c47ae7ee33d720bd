package resp

import "strconv"

// AppendSimple appends a simple string reply, "+s\r\n". s must not hold
// CR or LF.
func AppendSimple(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendError appends an error reply, "-msg\r\n", where msg starts with
// the error's kind ("ERR syntax error"). CR and LF in msg become spaces,
// as Redis makes them, so that the reply stays one line.
func AppendError(dst []byte, msg string) []byte {
	dst = append(dst, '-')
	n := len(dst)
	dst = append(dst, msg...)
	oneLine(dst[n:])
	return append(dst, '\r', '\n')
}

// AppendErr appends the reply Redis gives for err, a protocol error of
// this package: "-ERR " and its text.
func AppendErr(dst []byte, err error) []byte {
	dst = append(dst, "-ERR "...)
	n := len(dst)
	dst = appendText(dst, err)
	oneLine(dst[n:])
	return append(dst, '\r', '\n')
}

func oneLine(b []byte) {
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
}

// AppendInt appends an integer reply, ":n\r\n".
func AppendInt(dst []byte, n int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk appends a bulk string reply, "$len\r\nb\r\n".
func AppendBulk(dst, b []byte) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(b)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString is AppendBulk for a string.
func AppendBulkString(dst []byte, s string) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendNull appends the null bulk string, "$-1\r\n": GET's reply for a
// missing key.
func AppendNull(dst []byte) []byte { return append(dst, "$-1\r\n"...) }

// AppendArray appends the header of an array of n elements, "*n\r\n"; the
// elements follow. A client writes its commands as arrays of bulk strings.
func AppendArray(dst []byte, n int) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}

// AppendCommand appends args as a command the way clients send it: an
// array of bulk strings.
func AppendCommand(dst []byte, args ...string) []byte {
	dst = AppendArray(dst, len(args))
	for _, a := range args {
		dst = AppendBulkString(dst, a)
	}
	return dst
}
