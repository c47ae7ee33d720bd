package http1

import (
	"strconv"
	"time"
)

// ServerName is the value of the Server header that Response.Append writes.
const ServerName = "netloop"

// Response is a response with a body of known length, written by Append.
type Response struct {
	Status      int    // status code; 200 when zero
	ContentType string // omitted when empty
	Body        []byte

	// Date is the time the Date header gives; zero means now. A server
	// writing many responses per read passes one clock reading to all.
	Date time.Time

	// OmitBody writes the header as for Body but not Body itself: the
	// response to a HEAD request (RFC 9110 §9.3.2).
	OmitBody bool

	// Close adds "Connection: close": the server closes the connection
	// after this response. KeepAlive adds "Connection: keep-alive", which
	// an HTTP/1.0 client needs to keep the connection open.
	Close, KeepAlive bool
}

// For sets the connection options of w for a response to r: Close unless
// r.KeepAlive, and an explicit keep-alive for HTTP/1.0 clients.
func (w *Response) For(r *Request) *Response {
	w.Close = !r.KeepAlive
	w.KeepAlive = r.KeepAlive && r.ProtoMinor == 0
	return w
}

// Append appends the response, status line to body, to dst. It does not
// allocate when dst has room.
func (w *Response) Append(dst []byte) []byte {
	status := w.Status
	if status == 0 {
		status = 200
	}
	if status == 200 {
		// Most responses: the status line, Server and Date's name in
		// one copy.
		dst = append(dst, "HTTP/1.1 200 OK\r\nServer: "+ServerName+"\r\nDate: "...)
	} else {
		dst = AppendStatusLine(dst, status)
		dst = append(dst, "Server: "+ServerName+"\r\nDate: "...)
	}
	if w.Date.IsZero() {
		dst = AppendDate(dst)
	} else {
		dst = append(dst, currentDate(w.Date)[:]...)
	}
	if w.ContentType != "" {
		dst = append(dst, "\r\nContent-Type: "...)
		dst = append(dst, w.ContentType...)
	}
	// RFC 9110 §8.6: no Content-Length in 1xx and 204 responses.
	if status >= 200 && status != 204 {
		dst = append(dst, "\r\nContent-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(w.Body)), 10)
	}
	switch {
	case w.Close:
		dst = append(dst, "\r\nConnection: close"...)
	case w.KeepAlive:
		dst = append(dst, "\r\nConnection: keep-alive"...)
	}
	dst = append(dst, "\r\n\r\n"...)
	if w.OmitBody || status < 200 || status == 204 {
		return dst
	}
	return append(dst, w.Body...)
}

// AppendStatusLine appends "HTTP/1.1 <status> <reason>\r\n" to dst.
func AppendStatusLine(dst []byte, status int) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	if 100 <= status && status <= 999 {
		// Every real status has three digits; writing them directly
		// saves a general conversion per response.
		dst = append(dst, byte('0'+status/100), byte('0'+status/10%10), byte('0'+status%10), ' ')
	} else {
		dst = strconv.AppendInt(dst, int64(status), 10)
		dst = append(dst, ' ')
	}
	dst = append(dst, StatusText(status)...)
	return append(dst, "\r\n"...)
}

// AppendContinue appends the interim "100 Continue" response that a client
// sending "Expect: 100-continue" waits for before its body.
func AppendContinue(dst []byte) []byte {
	return append(dst, "HTTP/1.1 100 Continue\r\n\r\n"...)
}

// AppendError appends the response to a rejected request: err's status, its
// reason as the body, and Connection: close, since after a rejection the
// connection cannot be trusted to carry another request.
func AppendError(dst []byte, err *Error) []byte {
	w := Response{Status: err.Status, ContentType: "text/plain; charset=utf-8", Close: true}
	w.Body = []byte(err.Reason) // does not escape: Append copies it
	return w.Append(dst)
}

// StatusText returns the reason phrase of the status codes this package
// and its servers use, and "Status" for others (the phrase is advisory).
func StatusText(status int) string {
	switch status {
	case 100:
		return "Continue"
	case 200:
		return "OK"
	case 204:
		return "No Content"
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 408:
		return "Request Timeout"
	case 413:
		return "Content Too Large"
	case 414:
		return "URI Too Long"
	case 431:
		return "Request Header Fields Too Large"
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 503:
		return "Service Unavailable"
	case 505:
		return "HTTP Version Not Supported"
	}
	return "Status"
}
