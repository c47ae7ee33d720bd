package main

import (
	"sync"
	"time"

	"github.com/netloop/netloop/codec/http1"
	"github.com/netloop/netloop/conn"
)

// server is the HTTP-lite handler. It is shared by every loop, so all its
// per-connection state lives in a session behind conn.Context.
type server struct {
	// limits is copied into each connection's parser.
	limits http1.Parser
	// idleTimeout bounds the wait for the next request on a kept-alive
	// connection, and the pause between reads of a request body.
	idleTimeout time.Duration
	// headerTimeout bounds the time from a request's first byte until its
	// header is complete, so slowly dribbled headers cannot hold a
	// connection forever.
	headerTimeout time.Duration

	// scratch holds the parsed request and the response buffer while
	// OnData runs. Pooling them keeps idle connections small; only the
	// few connections being served at once hold one.
	scratch sync.Pool
}

// session is the state of one connection.
type session struct {
	parser    http1.Parser
	continued bool // "100 Continue" already sent for the current request
	partial   bool // a partial header is pending; its deadline is set
}

type scratch struct {
	req http1.Request
	out []byte
}

func newServer(maxBody int, idle, header time.Duration) *server {
	s := &server{
		limits:        http1.Parser{MaxBodyBytes: maxBody},
		idleTimeout:   idle,
		headerTimeout: header,
	}
	s.scratch.New = func() any { return &scratch{out: make([]byte, 0, 4096)} }
	return s
}

func (s *server) OnOpen(c conn.Conn) {
	c.SetContext(&session{parser: s.limits})
	c.SetDeadline(time.Now().Add(s.idleTimeout))
}

// OnData answers every complete request in in, in order, with one write.
func (s *server) OnData(c conn.Conn, in []byte) int {
	ss := c.Context().(*session)
	sc := s.scratch.Get().(*scratch)
	defer s.scratch.Put(sc)
	now := time.Now() // one clock reading for every response and the deadline
	out, consumed, open := sc.out[:0], 0, true
	for open && consumed < len(in) {
		n, err := ss.parser.Parse(in[consumed:], &sc.req)
		if err != nil {
			out = http1.AppendError(out, err.(*http1.Error))
			open = false
			break
		}
		if n == 0 {
			if sc.req.HeaderLen > 0 && sc.req.ExpectContinue && !ss.continued {
				out = http1.AppendContinue(out)
				ss.continued = true
			}
			break
		}
		consumed += n
		ss.continued = false
		out = route(out, c, &sc.req, now)
		open = sc.req.KeepAlive
	}
	sc.out = out
	if len(out) > 0 {
		c.Write(out)
	}
	if !open {
		// Close flushes the responses first. Whatever follows a
		// rejected or final request is discarded.
		c.Close()
		return len(in)
	}
	if consumed > 0 {
		ss.partial = false // a request completed: the next one's header clock starts now
	}
	s.extendDeadline(c, ss, now, consumed == len(in), sc.req.HeaderLen > 0)
	return consumed
}

// extendDeadline sets the connection's deadline after a read: the idle
// timeout when it is between requests or receiving a body, and the header
// timeout, counted from the first byte, while a header is incomplete.
func (s *server) extendDeadline(c conn.Conn, ss *session, now time.Time, idle, headerDone bool) {
	if !idle && !headerDone {
		if !ss.partial {
			ss.partial = true
			c.SetDeadline(now.Add(s.headerTimeout))
		}
		return
	}
	ss.partial = false
	c.SetDeadline(now.Add(s.idleTimeout))
}

func (s *server) OnClose(c conn.Conn, err error) {}
