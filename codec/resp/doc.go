// Package resp reads and writes RESP2, the Redis serialisation protocol, on
// the server side: commands in, replies out.
//
// A [Decoder] splits commands off the front of a byte stream, in the shape
// of [bufio.SplitFunc] like the other codecs of netloop, accepting both
// forms Redis accepts: arrays of bulk strings ("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n")
// and inline commands ("ECHO hi\r\n", quoting as redis-cli and telnet users
// write it). Malformed input gives the errors Redis gives, word for word, so
// a server can answer a client exactly as Redis would: "-ERR " followed by
// the error's text, then close (see [AppendErr]).
//
// Replies are written with Append functions in the style of
// [strconv.AppendInt]: simple strings, errors, integers, bulk strings, the
// null bulk string and array headers.
//
// Neither direction allocates once the Decoder has grown to the largest
// command seen.
package resp
