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
	// bodyTimeout bounds the time from a request's header being complete
	// until its body is. It is one deadline, set once: reads of the body
	// do not extend it, so a body sent a byte at a time cannot hold the
	// connection longer than this.
	bodyTimeout time.Duration

	// After an error response the server lingers: it stops answering but
	// reads and discards what the client still sends, for at most
	// lingerTime in all, lingerTimeout between reads and lingerBytes of
	// input, and only then closes. Closing at once with unread input
	// makes the kernel send an RST, which can destroy the response before
	// the client has read it. A zero lingerTime closes at once.
	lingerTime    time.Duration
	lingerTimeout time.Duration
	lingerBytes   int

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
	body      bool // a body is pending; its deadline is set

	// Lingering: the connection is closing and its input is discarded
	// until lingerEnd or until lingerLeft more bytes have come.
	lingering  bool
	lingerEnd  time.Time
	lingerLeft int

	// draining: the server is shutting down (OnDrain); the request in
	// progress is the last, answered with "Connection: close".
	draining bool
	// answered: a response has been written, so the client knows the
	// connection as a kept-alive one, and retries an idempotent request
	// when the server closes it; a fresh connection gets no such grace.
	answered bool
}

type scratch struct {
	req http1.Request
	out []byte
}

// Defaults of the server's body and lingering limits; main's flags can
// change them.
const (
	defaultBodyTimeout   = 10 * time.Second
	defaultLingerTime    = 5 * time.Second
	defaultLingerTimeout = time.Second
	defaultLingerBytes   = 4 << 20
)

func newServer(maxBody int, idle, header time.Duration) *server {
	s := &server{
		limits:        http1.Parser{MaxBodyBytes: maxBody},
		idleTimeout:   idle,
		headerTimeout: header,
		bodyTimeout:   defaultBodyTimeout,
		lingerTime:    defaultLingerTime,
		lingerTimeout: defaultLingerTimeout,
		lingerBytes:   defaultLingerBytes,
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
	if ss.lingering {
		s.discard(c, ss, len(in))
		return len(in)
	}
	sc := s.scratch.Get().(*scratch)
	defer s.scratch.Put(sc)
	now := time.Now() // one clock reading for every response and the deadline
	out, consumed, open, rejected := sc.out[:0], 0, true, false
	for open && consumed < len(in) {
		n, err := ss.parser.Parse(in[consumed:], &sc.req)
		if err != nil {
			out = http1.AppendError(out, err.(*http1.Error))
			open, rejected = false, true
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
		if ss.draining {
			sc.req.KeepAlive = false // the last response: Connection: close
		}
		out = route(out, c, &sc.req, now)
		open = sc.req.KeepAlive
	}
	sc.out = out
	if len(out) > 0 {
		c.Write(out)
		ss.answered = true
	}
	if !open {
		// Whatever follows a rejected or final request is discarded.
		// After a rejection the client may well be sending still (the
		// body we refused), and so may one that pipelined past its last
		// request: linger. Otherwise Close, which flushes the
		// responses first.
		if rejected || consumed < len(in) {
			s.linger(c, ss, now, len(in)-consumed)
		} else {
			c.Close()
		}
		return len(in)
	}
	if consumed > 0 {
		// A request completed: the next one's header clock starts now,
		// and its body's when its header is complete.
		ss.partial, ss.body = false, false
	}
	s.extendDeadline(c, ss, now, consumed == len(in), sc.req.HeaderLen > 0)
	return consumed
}

// OnDrain closes an idle keep-alive connection at once, and lets one
// in the middle of a request finish it: its response says
// "Connection: close" and the connection closes after it. A connection
// that has not had a request yet is left to bring one, answered the same
// way: clients (Go's, browsers) retry a request on a kept-alive
// connection the server closed, not on a fresh one, and a proxy may have
// opened it for a client whose request is on its way. A lingering
// connection is closing already.
func (s *server) OnDrain(c conn.Conn) {
	ss := c.Context().(*session)
	ss.draining = true
	if ss.answered && !ss.partial && !ss.body && !ss.lingering {
		c.Close()
	}
}

// extendDeadline sets the connection's deadline after a read: the idle
// timeout when it is between requests; the header timeout, counted from the
// first byte, while a header is incomplete; and the body timeout, counted
// from the header's end, while a body is.
func (s *server) extendDeadline(c conn.Conn, ss *session, now time.Time, idle, headerDone bool) {
	switch {
	case idle:
		ss.partial, ss.body = false, false
		c.SetDeadline(now.Add(s.idleTimeout))
	case !headerDone:
		if !ss.partial {
			ss.partial = true
			c.SetDeadline(now.Add(s.headerTimeout))
		}
	default:
		ss.partial = false
		if !ss.body {
			ss.body = true
			c.SetDeadline(now.Add(s.bodyTimeout))
		}
	}
}

// linger starts the lingering close of c, whose response is written and
// whose last read left pending bytes unanswered. The kit has no half-close,
// so the handler does it: it stops answering, lets a deadline end the
// connection, and meanwhile consumes whatever comes (see discard).
func (s *server) linger(c conn.Conn, ss *session, now time.Time, pending int) {
	if s.lingerTime <= 0 {
		c.Close()
		return
	}
	ss.lingering = true
	ss.lingerEnd = now.Add(s.lingerTime)
	ss.lingerLeft = s.lingerBytes
	s.discard(c, ss, pending)
}

// discard counts n bytes read while lingering against the limits, and
// closes c once one is reached; otherwise it waits at most lingerTimeout
// for more, within lingerTime in all.
func (s *server) discard(c conn.Conn, ss *session, n int) {
	ss.lingerLeft -= n
	if ss.lingerLeft < 0 {
		c.Close()
		return
	}
	deadline := time.Now().Add(s.lingerTimeout)
	if deadline.After(ss.lingerEnd) {
		deadline = ss.lingerEnd
	}
	c.SetDeadline(deadline)
}

func (s *server) OnClose(c conn.Conn, err error) {}
