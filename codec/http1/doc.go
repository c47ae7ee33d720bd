// Package http1 parses HTTP/1.1 requests and writes responses for servers
// built on netloop, as RFC 9112 describes the message syntax.
//
// [Parser.Parse] works on all unconsumed input, from the start of a request,
// and either returns the length of one complete request (header and body),
// asks for more input by returning zero, or rejects the request with an
// [*Error] that carries the status code to answer with. That is the OnData
// contract, so pipelined requests are handled by calling Parse in a loop and
// a request split across many reads, down to one byte per read, simply waits
// for the rest.
//
// The parser is strict where the RFC is: requests that could be framed two
// ways (request smuggling vectors such as Content-Length together with
// Transfer-Encoding, differing duplicate lengths, obs-fold, whitespace before
// a colon, bare LF line endings, chunk sizes followed by anything but the
// chunk-ext grammar of RFC 9112 §7.1.1) are rejected, never guessed at. So
// are field values outside RFC 9110 §5.5 (any control character but HTAB),
// a Host that is not an RFC 3986 authority, and framing fields that are not
// lists of tokens. After a rejection the server must answer and close the
// connection, since where the next request would start is unknown.
//
// Input that cannot begin a request (NUL bytes, a TLS ClientHello, any byte
// that does not fit method SP request-target SP HTTP-version) is rejected
// as soon as the first such byte arrives, without waiting for a line feed,
// and with the status the complete line would get; a request line longer than
// MaxHeaderBytes is a 414 (a 501 while still in the method), a header
// section a 431, as RFC 9112 §3 and RFC 6585 §5 have them.
//
// Parsed values are views into the input, valid until the input is consumed;
// nothing is allocated per request (chunked bodies are decoded into a buffer
// the Request keeps and reuses). Responses are appended to a caller-owned
// buffer by [Response.Append], with a Date header formatted once per second.
package http1
