package resp

import "errors"

// Protocol errors. Their text is what Redis 7 replies (after "-ERR ") to the
// same malformed input, after which it closes the connection; errors.Is
// matches each against [ErrProtocol].
var (
	// ErrProtocol matches every protocol error of this package.
	ErrProtocol = errors.New("Protocol error")

	// ErrInvalidMultibulkLength: the count of an array is not a number
	// or above 2^31-1.
	ErrInvalidMultibulkLength = protocolError("invalid multibulk length")

	// ErrInvalidBulkLength: a bulk string's length is not a number, is
	// negative, or is above the Decoder's MaxBulk.
	ErrInvalidBulkLength = protocolError("invalid bulk length")

	// ErrTooBigMbulkCount: no end of line within 64 KiB after '*'.
	ErrTooBigMbulkCount = protocolError("too big mbulk count string")

	// ErrTooBigBulkCount: no end of line within 64 KiB after '$'.
	ErrTooBigBulkCount = protocolError("too big bulk count string")

	// ErrTooBigInline: no end of line within 64 KiB of an inline command.
	ErrTooBigInline = protocolError("too big inline request")

	// ErrUnbalancedQuotes: an inline command's quotes do not close, or a
	// closing quote is followed by something other than a space.
	ErrUnbalancedQuotes = protocolError("unbalanced quotes in request")
)

// Error is a protocol error; Error() is Redis's text for it.
type Error struct {
	msg string
	got byte // for ExpectedDollar
}

func protocolError(msg string) *Error { return &Error{msg: msg} }

// Error returns the text Redis sends for this error, without "ERR ".
func (e *Error) Error() string {
	if e.msg == "" {
		return "Protocol error: expected '$', got '" + string([]byte{e.got}) + "'"
	}
	return "Protocol error: " + e.msg
}

// Is makes every *Error match ErrProtocol.
func (e *Error) Is(target error) bool { return target == ErrProtocol }

// expectedDollar is the error for an array element that is not a bulk
// string. One value per byte, made on first use, so reporting it does not
// allocate; Redis prints the byte as %c.
func expectedDollar(b byte) error {
	return &dollarErrors[b]
}

var dollarErrors = func() (e [256]Error) {
	for i := range e {
		e[i].got = byte(i)
	}
	return e
}()

// appendText appends the text of err as Redis formats it: a byte of an
// expected-'$' error raw, not as UTF-8.
func appendText(dst []byte, err error) []byte {
	e, ok := err.(*Error)
	if !ok {
		return append(dst, err.Error()...)
	}
	dst = append(dst, "Protocol error: "...)
	if e.msg != "" {
		return append(dst, e.msg...)
	}
	dst = append(dst, "expected '$', got '"...)
	dst = append(dst, e.got)
	return append(dst, '\'')
}
