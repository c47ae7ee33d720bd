package main

import (
	"bytes"
	"errors"
	"github.com/valyala/bytebufferpool"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/netloop/netloop/codec"
	"github.com/netloop/netloop/conn"
)

// server speaks the jobs line protocol. Requests, one per line (LF or CRLF):
//
//	SUBMIT <work>  → ID <n>, at once; or BUSY when the queue is full
//	STATUS <n>     → PENDING or DONE <result>
//	WATCH <n>      → DONE <n> <result>, pushed when job n finishes
//	               (at once if it already has); BUSY when this client
//	               already has maxWatches watches pending, or the job
//	               has as many watchers as it takes
//
// Anything else, or an unknown job, answers ERR <reason>. Replies to
// requests come in request order; WATCH pushes may arrive between them.
//
// Pushes are written from worker goroutines with AsyncWrite, which refuses
// (conn.ErrWouldBlock) once a client has left more unread than
// Config.AsyncWriteLimit. A push cannot wait, and one silently dropped
// would leave the client waiting for ever, so such a client is closed: it
// is not reading what it asked for.
type server struct {
	pool       *pool
	split      func([]byte, bool) (int, []byte, error)
	maxWatches int32         // pending watches per connection
	idle       time.Duration // close a connection silent this long; 0: never
}

// connState is a connection's state: its pending watches, counted from the
// loop (WATCH) and from workers (the push).
type connState struct{ watches atomic.Int32 }

// maxLine bounds a request line; a longer one closes the connection.
const maxLine = 4096

// defaultMaxWatches is the -max-watches default.
const defaultMaxWatches = 64

func newServer(p *pool) *server {
	return &server{pool: p, split: codec.Delimiter{Max: maxLine}.Split, maxWatches: defaultMaxWatches}
}

func (s *server) OnOpen(c conn.Conn) {
	c.SetContext(&connState{})
	s.touch(c)
}

// touch pushes back c's idle deadline.
func (s *server) touch(c conn.Conn) {
	if s.idle > 0 {
		c.SetDeadline(time.Now().Add(s.idle))
	}
}

func (s *server) OnClose(c conn.Conn, err error) {
	// Jobs this client submitted run to completion regardless; pushes to
	// it fail harmlessly with conn.ErrClosed.
}

func (s *server) OnData(c conn.Conn, in []byte) int {
	s.touch(c)
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
		cl := c.Context().(*connState)
		if cl.watches.Add(1) > s.maxWatches {
			cl.watches.Add(-1)
			return append(out, "BUSY\n"...)
		}
		known, done, result, err := s.pool.watch(id, func(id uint64, result string) {
			cl.watches.Add(-1)
			push(c, id, result)
		})
		if !known || done || err != nil {
			cl.watches.Add(-1) // no push will come
		}
		switch {
		case !known:
			return append(out, "ERR unknown job\n"...)
		case err != nil:
			return append(out, "BUSY\n"...)
		case done:
			return doneLine(out, id, result)
		}
		return out
	}
	return append(out, "ERR unknown command\n"...)
}

// push writes the completion of job id to c from a worker goroutine:
// AsyncWrite is the one write that is safe there. The line is formatted
// into a pooled buffer, which the loop hands back to the pool once it has
// taken the bytes, so a push allocates nothing in steady state. A client
// too far behind to take the push is closed (see server); any other error
// means the client has left.
func push(c conn.Conn, id uint64, result string) {
	b := bytebufferpool.Get()
	b.B = doneLine(b.B, id, result)
	err := c.AsyncWriteBuffer(b)
	if err != nil {
		bytebufferpool.Put(b) // still ours after an error
	}
	if errors.Is(err, conn.ErrWouldBlock) {
		c.Close()
	}
}

// doneLine appends the completion push "DONE <id> <result>\n" to out.
func doneLine(out []byte, id uint64, result string) []byte {
	out = strconv.AppendUint(append(out, "DONE "...), id, 10)
	return append(append(append(out, ' '), result...), '\n')
}
