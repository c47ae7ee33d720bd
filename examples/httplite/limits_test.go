//go:build unix

// (Unix only: a client below shrinks its receive buffer with setsockopt on
// an int descriptor, which Windows spells as a Handle.)

package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// closedWithin reads c until the server closes it and reports how long
// that took; a client-side timeout fails the test.
func closedWithin(t *testing.T, c net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	began := time.Now()
	c.SetReadDeadline(began.Add(limit))
	_, err := io.Copy(io.Discard, c)
	took := time.Since(began)
	if errors.Is(err, errTimeout) {
		t.Fatalf("still open after %v", took.Round(time.Millisecond))
	}
	return took
}

// dribble writes p one byte every pace until it is sent or a write fails,
// and closes done then.
func dribble(c net.Conn, p string, pace time.Duration, done chan<- struct{}) {
	defer close(done)
	for i := range len(p) {
		if _, err := c.Write([]byte{p[i]}); err != nil {
			return
		}
		time.Sleep(pace) // the client's pace, not synchronisation
	}
}

// TestBodyTimeout: once a request's header is complete, its body has
// bodyTimeout to arrive, however often the client sends a byte; the reads
// must not push the deadline back as the idle timeout would.
func TestBodyTimeout(t *testing.T) {
	const body = 700 * time.Millisecond
	slowBody := func() *server {
		s := newServer(1<<20, 5*time.Second, 5*time.Second)
		s.bodyTimeout = body
		return s
	}
	forEngine(t, slowBody, func(t *testing.T, addr string) {
		tests := []struct {
			name   string
			header string
			body   string
		}{
			{name: "content-length", header: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", body: strings.Repeat("b", 100)},
			{name: "chunked", header: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
				body: strings.Repeat("1\r\nb\r\n", 20) + "0\r\n\r\n"},
			{name: "after a kept-alive request", header: "GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n",
				body: strings.Repeat("b", 100)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := dial(t, addr)
				io.WriteString(c, tt.header)
				done := make(chan struct{})
				go dribble(c, tt.body, 50*time.Millisecond, done)
				// 100 bytes at 50 ms would take 5 s, every read well
				// within the 5 s idle timeout.
				took := closedWithin(t, c, 3*time.Second)
				if took < body-150*time.Millisecond || took > body+time.Second {
					t.Errorf("closed after %v, want about the %v body timeout", took, body)
				}
				c.Close()
				<-done
			})
		}

		// A body in time is served, and the next request on the
		// connection is not held to the body's deadline.
		c := dial(t, addr)
		r := bufio.NewReader(c)
		io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nab")
		time.Sleep(body / 7) // the client's pace
		io.WriteString(c, "c")
		if got := readResponses(t, r, 1); got[0] != "200 abc" {
			t.Fatalf("got %q", got)
		}
		time.Sleep(body + 200*time.Millisecond) // past the body deadline, within the idle timeout
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if got := readResponses(t, r, 1); got[0] != "200 Hello, World!" {
			t.Fatalf("kept-alive request after a body: got %q", got)
		}
	})
}

// TestLingeringClose: after an error response the server reads and
// discards what the client still sends before closing, so the client reads
// the response instead of an RST; and the lingering is bounded in time,
// between reads and in bytes.
func TestLingeringClose(t *testing.T) {
	lingering := func() *server {
		s := newServer(1024, 5*time.Second, 5*time.Second)
		s.lingerTime, s.lingerTimeout, s.lingerBytes = 1500*time.Millisecond, 500*time.Millisecond, 1<<20
		return s
	}
	forEngine(t, lingering, func(t *testing.T, addr string) {
		upload := "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4000000\r\n\r\n"
		t.Run("responses survive an upload in flight", func(t *testing.T) {
			// A client that pipelines many requests, then one the server
			// rejects with its body, and reads only once it has written
			// everything. The responses back up in the server's socket;
			// had it closed at once with the body unread, its kernel
			// would have answered with an RST and thrown away the
			// responses not yet sent, the rejection among them.
			const gets = 4000
			d := net.Dialer{Control: func(network, address string, rc syscall.RawConn) error {
				return rc.Control(func(fd uintptr) {
					syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
				})
			}}
			c, err := d.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			req := strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", gets) + upload + strings.Repeat("u", 512<<10)
			c.SetWriteDeadline(time.Now().Add(3 * time.Second))
			_, werr := io.WriteString(c, req)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			r := bufio.NewReader(c)
			for i := range gets {
				res, err := http.ReadResponse(r, nil)
				if err != nil {
					t.Fatalf("response %d: %v (write: %v)", i, err, werr)
				}
				io.Copy(io.Discard, res.Body)
			}
			res, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatalf("the rejection: %v (write: %v)", err, werr)
			}
			got, err := io.ReadAll(res.Body)
			if res.StatusCode != 413 || string(got) != "request body too large" || err != nil {
				t.Fatalf("%d %q %v", res.StatusCode, got, err)
			}
		})
		tests := []struct {
			name    string
			req     string        // "" for a request without Host, a 400
			status  int           // of the response to req; 400 when zero
			pace    time.Duration // between writes after the request; 0: none
			chunk   int
			atLeast time.Duration
			atMost  time.Duration
		}{
			{name: "silent client: lingerTimeout", atLeast: 400 * time.Millisecond, atMost: 1400 * time.Millisecond},
			{name: "trickling client: lingerTime", pace: 100 * time.Millisecond, chunk: 1, atLeast: 1300 * time.Millisecond, atMost: 2500 * time.Millisecond},
			{name: "flooding client: lingerBytes", pace: time.Millisecond, chunk: 64 << 10, atMost: 1200 * time.Millisecond},
			{name: "pipelined past a final request", req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
				status: 200, atLeast: 400 * time.Millisecond, atMost: 1400 * time.Millisecond},
			{name: "a final request alone closes at once", req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
				status: 200, atMost: 250 * time.Millisecond},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				req, status := tt.req, tt.status
				if req == "" {
					req, status = "GET / HTTP/1.1\r\n\r\n", 400
				}
				c := dial(t, addr)
				io.WriteString(c, req)
				r := bufio.NewReader(c)
				res, err := http.ReadResponse(r, nil)
				if err != nil || res.StatusCode != status {
					t.Fatalf("response %v, %v", res, err)
				}
				res.Body.Close()
				done := make(chan struct{})
				if tt.pace > 0 {
					go dribbleChunks(c, tt.chunk, tt.pace, done)
				} else {
					close(done)
				}
				took := closedWithin(t, readerConn{c, r}, 4*time.Second)
				if took < tt.atLeast || took > tt.atMost {
					t.Errorf("closed after %v, want between %v and %v", took, tt.atLeast, tt.atMost)
				}
				c.Close()
				<-done
			})
		}
	})
}

// dribbleChunks writes chunks of size bytes every pace until a write
// fails, then closes done.
func dribbleChunks(c net.Conn, size int, pace time.Duration, done chan<- struct{}) {
	defer close(done)
	p := []byte(strings.Repeat("x", size))
	for {
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write(p); err != nil {
			return
		}
		time.Sleep(pace) // the client's pace
	}
}

// readerConn reads through r, which may hold bytes already read from Conn.
type readerConn struct {
	net.Conn
	r *bufio.Reader
}

func (c readerConn) Read(p []byte) (int, error) { return c.r.Read(p) }
