package http1

// Error is a rejected request: the status code to answer with and why.
// Parse returns only the sentinel values below, so errors.Is and == work.
type Error struct {
	Status int    // the response status code, such as 400
	Reason string // a short explanation for logs and the response body
}

func (e *Error) Error() string { return "http1: " + e.Reason }

// Rejections, grouped by the status code they are answered with.
var (
	// 400 Bad Request: the message cannot be parsed or framed safely.
	ErrRequestLine      = &Error{400, "malformed request line"}
	ErrMethod           = &Error{400, "method is not a token"}
	ErrTarget           = &Error{400, "malformed request target"}
	ErrLineEnding       = &Error{400, "line not terminated by CRLF"}
	ErrHeader           = &Error{400, "malformed header field"}
	ErrSpaceBeforeColon = &Error{400, "whitespace between header field name and colon"}
	ErrObsFold          = &Error{400, "obsolete line folding"}
	ErrMissingHost      = &Error{400, "missing Host header"}
	ErrDuplicateHost    = &Error{400, "more than one Host header"}
	ErrHost             = &Error{400, "invalid Host header"}
	ErrContentLength    = &Error{400, "invalid Content-Length"}
	ErrLengthMismatch   = &Error{400, "differing Content-Length values"}
	ErrLengthAndCoding  = &Error{400, "both Content-Length and Transfer-Encoding"}
	ErrTransferEncoding = &Error{400, "chunked is not the final transfer coding"}
	ErrChunk            = &Error{400, "malformed chunked body"}
	ErrChunkOverhead    = &Error{400, "chunked body has too much framing for its data"}

	// 413 Content Too Large: the body exceeds Parser.MaxBodyBytes.
	ErrBodyTooLarge = &Error{413, "request body too large"}

	// 414 URI Too Long: the request line does not end within
	// Parser.MaxHeaderBytes, in its request target (RFC 9112 §3).
	ErrTargetTooLong = &Error{414, "request target too long"}

	// 431 Request Header Fields Too Large: the header section exceeds
	// Parser.MaxHeaderBytes or MaxHeaders fields.
	ErrHeaderTooLarge = &Error{431, "request header too large"}
	ErrTooManyHeaders = &Error{431, "too many header fields"}

	// 501 Not Implemented.
	ErrUnknownCoding = &Error{501, "unsupported transfer coding"}
	ErrConnect       = &Error{501, "CONNECT is not supported"}
	// ErrMethodTooLong: the request line does not end within
	// Parser.MaxHeaderBytes, in its method (RFC 9112 §3).
	ErrMethodTooLong = &Error{501, "method too long"}

	// 505 HTTP Version Not Supported.
	ErrVersion = &Error{505, "unsupported HTTP version"}
)
