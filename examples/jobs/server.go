package main

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/netloop/netloop/codec"
	"github.com/netloop/netloop/conn"
)

// server speaks the jobs line protocol. Requests, one per line (LF or CRLF):
//
//	SUBMIT <work>  → ID <n>, at once; or BUSY when the queue is full
//	STATUS <n>     → PENDING or DONE <result>
//	WATCH <n>      → DONE <n> <result>, pushed when job n finishes
//	               (at once if it already has)
//
// Anything else, or an unknown job, answers ERR <reason>. Replies to
// requests come in request order; WATCH pushes may arrive between them.
type server struct {
	pool  *pool
	split func([]byte, bool) (int, []byte, error)
}

// maxLine bounds a request line; a longer one closes the connection.
const maxLine = 4096

func newServer(p *pool) *server {
	return &server{pool: p, split: codec.Delimiter{Max: maxLine}.Split}
}

func (s *server) OnOpen(c conn.Conn) {}

func (s *server) OnClose(c conn.Conn, err error) {
	// Jobs this client submitted run to completion regardless; pushes to
	// it fail harmlessly with conn.ErrClosed.
}

func (s *server) OnData(c conn.Conn, in []byte) int {
	var out []byte
	n, err := codec.Each(in, s.split, func(line []byte) error {
		out = s.handle(c, out, line)
		return nil
	})
	if len(out) > 0 {
		c.Write(out)
	}
	if errors.Is(err, codec.ErrFrameTooLarge) {
		c.Write([]byte("ERR line too long\n"))
		c.Close()
		return len(in)
	}
	return n
}

// handle appends the reply to one request line to out.
func (s *server) handle(c conn.Conn, out, line []byte) []byte {
	cmd, arg, _ := bytes.Cut(line, []byte(" "))
	switch string(cmd) {
	case "SUBMIT":
		id, err := s.pool.submit(arg)
		if err != nil {
			return append(out, "BUSY\n"...)
		}
		return append(strconv.AppendUint(append(out, "ID "...), id, 10), '\n')
	case "STATUS":
		id, err := strconv.ParseUint(string(arg), 10, 64)
		if err != nil {
			return append(out, "ERR bad job id\n"...)
		}
		switch known, done, result := s.pool.status(id); {
		case !known:
			return append(out, "ERR unknown job\n"...)
		case !done:
			return append(out, "PENDING\n"...)
		default:
			return append(append(append(out, "DONE "...), result...), '\n')
		}
	case "WATCH":
		id, err := strconv.ParseUint(string(arg), 10, 64)
		if err != nil {
			return append(out, "ERR bad job id\n"...)
		}
		known, done, result := s.pool.watch(id, func(id uint64, result string) {
			// On a worker goroutine: AsyncWrite is the one write that
			// is safe here. The line is not touched again, as
			// AsyncWrite requires; an error means the client left.
			c.AsyncWrite(doneLine(nil, id, result), nil)
		})
		switch {
		case !known:
			return append(out, "ERR unknown job\n"...)
		case done:
			return doneLine(out, id, result)
		}
		return out
	}
	return append(out, "ERR unknown command\n"...)
}

// doneLine appends the completion push "DONE <id> <result>\n" to out.
func doneLine(out []byte, id uint64, result string) []byte {
	out = strconv.AppendUint(append(out, "DONE "...), id, 10)
	return append(append(append(out, ' '), result...), '\n')
}
