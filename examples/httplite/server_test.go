package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

var engines = []conn.Engine{conn.EngineReactor, conn.EngineProactor, conn.EngineGoroutine}

// start serves h on 127.0.0.1:0 with engine e until the test ends, and
// returns the address. An engine that cannot run here skips the test, saying
// why.
func start(t *testing.T, e conn.Engine, h conn.Handler) string {
	t.Helper()
	srv, err := netloop.Listen("127.0.0.1:0", netloop.Config{Engine: e, Loops: 2})
	if err != nil {
		t.Skipf("engine %q unavailable: %v", e, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return within 5s of cancel")
		}
	})
	return srv.Addr().String()
}

// forEngine runs test against a fresh server on every engine.
func forEngine(t *testing.T, s func() *server, test func(t *testing.T, addr string)) {
	for _, e := range engines {
		t.Run("engine="+string(e), func(t *testing.T) {
			test(t, start(t, e, s()))
		})
	}
}

func defaultServer() *server {
	s := newServer(1<<20, 5*time.Second, 5*time.Second)
	s.lingerTimeout = 200 * time.Millisecond // rejection tests read until the close
	return s
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// readResponses reads n responses from c with the standard library's
// client parser.
func readResponses(t *testing.T, r *bufio.Reader, n int) []string {
	t.Helper()
	var got []string
	for range n {
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("response %d: %v", len(got), err)
		}
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res.Status[:3]+" "+string(body))
	}
	return got
}

func TestRoutes(t *testing.T) {
	forEngine(t, defaultServer, func(t *testing.T, addr string) {
		client := &http.Client{Timeout: 10 * time.Second}
		tests := []struct {
			name        string
			method      string
			path        string
			body        string
			chunked     bool
			status      int
			contentType string
			want        string
		}{
			{name: "hello", method: "GET", path: "/", status: 200, contentType: "text/plain; charset=utf-8", want: "Hello, World!"},
			{name: "json", method: "GET", path: "/json", status: 200, contentType: "application/json", want: `{"message":"Hello, World!"}`},
			{name: "echo", method: "POST", path: "/echo", body: "ping", status: 200, want: "ping"},
			{name: "chunked echo", method: "POST", path: "/echo", body: strings.Repeat("chunk", 5000), chunked: true, status: 200,
				want: strings.Repeat("chunk", 5000)},
			{name: "not found", method: "GET", path: "/nope", status: 404, want: "404 page not found"},
			{name: "wrong method", method: "POST", path: "/", status: 404, want: "404 page not found"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var body io.Reader = strings.NewReader(tt.body)
				if tt.chunked {
					body = io.MultiReader(body) // unknown length: net/http sends it chunked
				}
				req, _ := http.NewRequest(tt.method, "http://"+addr+tt.path, body)
				res, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				got, _ := io.ReadAll(res.Body)
				if res.StatusCode != tt.status || string(got) != tt.want {
					t.Errorf("%d %q, want %d %q", res.StatusCode, got, tt.status, tt.want)
				}
				if tt.contentType != "" && res.Header.Get("Content-Type") != tt.contentType {
					t.Errorf("Content-Type %q, want %q", res.Header.Get("Content-Type"), tt.contentType)
				}
				if res.Header.Get("Server") == "" || res.Header.Get("Date") == "" {
					t.Errorf("missing Server or Date in %v", res.Header)
				}
			})
		}
	})
}

// TestPipelining sends many requests in one write, some split across the
// next, and expects the answers in order on the same connection.
func TestPipelining(t *testing.T) {
	forEngine(t, defaultServer, func(t *testing.T, addr string) {
		c := dial(t, addr)
		var batch bytes.Buffer
		var want []string
		for i := range 16 {
			switch i % 3 {
			case 0:
				batch.WriteString("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
				want = append(want, "200 Hello, World!")
			case 1:
				batch.WriteString("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
				want = append(want, "200 abc")
			case 2:
				batch.WriteString("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
				want = append(want, "404 404 page not found")
			}
		}
		raw := batch.Bytes()
		half := len(raw)/2 + 7 // cut inside a request
		if _, err := c.Write(raw[:half]); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		if _, err := c.Write(raw[half:]); err != nil {
			t.Fatal(err)
		}
		if got := readResponses(t, r, len(want)); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("got %q\nwant %q", got, want)
		}
	})
}

// TestOneByteAtATime writes a request one byte per write; the server must
// wait for the rest each time and answer once.
func TestOneByteAtATime(t *testing.T) {
	forEngine(t, defaultServer, func(t *testing.T, addr string) {
		c := dial(t, addr)
		c.(*net.TCPConn).SetNoDelay(true)
		req := "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
		for i := range len(req) {
			if _, err := c.Write([]byte{req[i]}); err != nil {
				t.Fatal(err)
			}
		}
		if got := readResponses(t, bufio.NewReader(c), 1); got[0] != "200 abcde" {
			t.Fatalf("got %q", got)
		}
	})
}

// TestRejectionCloses sends bad requests: each is answered with its status
// and the connection is closed, while a well-behaved client on another
// connection is not disturbed.
func TestRejectionCloses(t *testing.T) {
	forEngine(t, defaultServer, func(t *testing.T, addr string) {
		good := dial(t, addr)
		goodReader := bufio.NewReader(good)
		tests := []struct {
			name   string
			req    string
			status string
		}{
			{name: "missing host", req: "GET / HTTP/1.1\r\n\r\n", status: "400"},
			{name: "smuggling", req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: "400"},
			{name: "unknown coding", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", status: "501"},
			{name: "version", req: "GET / HTTP/2.0\r\nHost: x\r\n\r\n", status: "505"},
			{name: "body too large", req: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", status: "413"},
			{name: "header too large", req: "GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 10000) + "\r\n\r\n", status: "431"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := dial(t, addr)
				// A valid request follows the bad one: it must not be
				// answered.
				if _, err := io.WriteString(c, tt.req+"GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
				all, err := io.ReadAll(c) // until the server closes
				if err != nil && !errors.Is(err, syscallReset) {
					t.Fatalf("read: %v", err)
				}
				if !bytes.HasPrefix(all, []byte("HTTP/1.1 "+tt.status+" ")) || bytes.Count(all, []byte("HTTP/1.1 ")) != 1 {
					t.Fatalf("got %q, want one %s response", all, tt.status)
				}
				if _, err := io.WriteString(good, "GET /json HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
				readResponses(t, goodReader, 1)
			})
		}
	})
}

func TestConnectionClose(t *testing.T) {
	forEngine(t, defaultServer, func(t *testing.T, addr string) {
		tests := []struct {
			name  string
			req   string
			close bool
		}{
			{name: "1.1 close", req: "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", close: true},
			{name: "1.0 default", req: "GET / HTTP/1.0\r\n\r\n", close: true},
			{name: "1.0 keep-alive", req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := dial(t, addr)
				r := bufio.NewReader(c)
				io.WriteString(c, tt.req)
				readResponses(t, r, 1)
				if !tt.close {
					io.WriteString(c, tt.req)
					readResponses(t, r, 1)
					return
				}
				if n, err := r.Read(make([]byte, 1)); err != io.EOF {
					t.Fatalf("after the response: %d bytes, %v; want EOF", n, err)
				}
			})
		}
	})
}

func TestExpectContinue(t *testing.T) {
	forEngine(t, defaultServer, func(t *testing.T, addr string) {
		c := dial(t, addr)
		r := bufio.NewReader(c)
		io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
		line, err := r.ReadString('\n')
		if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
			t.Fatalf("got %q, %v; want 100 Continue", line, err)
		}
		if blank, _ := r.ReadString('\n'); blank != "\r\n" {
			t.Fatalf("got %q after 100 Continue", blank)
		}
		io.WriteString(c, "hello")
		if got := readResponses(t, r, 1); got[0] != "200 hello" {
			t.Fatalf("got %q", got)
		}
	})
}

// TestTimeouts checks that an idle keep-alive connection and a client
// dribbling its header are closed, and that a prompt client on another
// connection is served meanwhile.
func TestTimeouts(t *testing.T) {
	short := func() *server { return newServer(1<<20, 300*time.Millisecond, 300*time.Millisecond) }
	forEngine(t, short, func(t *testing.T, addr string) {
		idle := dial(t, addr)
		io.WriteString(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		idleReader := bufio.NewReader(idle)
		readResponses(t, idleReader, 1)

		slow := dial(t, addr)
		io.WriteString(slow, "GET / HTTP/1.1\r\nHost: x\r\n") // and never the end

		good := dial(t, addr)
		goodReader := bufio.NewReader(good)
		io.WriteString(good, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		readResponses(t, goodReader, 1)

		for name, c := range map[string]net.Conn{"idle": idle, "slow header": slow} {
			began := time.Now()
			// The client-side deadline of dial bounds this read.
			n, err := c.Read(make([]byte, 1))
			if err == nil || errors.Is(err, errTimeout) {
				t.Fatalf("%s: read %d bytes, %v; want the server to close", name, n, err)
			}
			t.Logf("%s: closed after %v (%v)", name, time.Since(began).Round(time.Millisecond), err)
		}
	})
}

// TestHeadHasNoBody: a HEAD response carries GET's header, Content-Length
// included, but no body, or the next response on the connection would be
// read from the middle of a body.
func TestHeadHasNoBody(t *testing.T) {
	forEngine(t, defaultServer, func(t *testing.T, addr string) {
		c := dial(t, addr)
		io.WriteString(c, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
		r := bufio.NewReader(c)
		head, err := http.ReadResponse(r, &http.Request{Method: "HEAD"})
		if err != nil {
			t.Fatal(err)
		}
		head.Body.Close()
		if head.StatusCode != 200 || head.ContentLength != int64(len("Hello, World!")) {
			t.Errorf("HEAD / = %d with Content-Length %d, want 200 with GET's length", head.StatusCode, head.ContentLength)
		}
		if got := readResponses(t, r, 1); got[0] != "200 Hello, World!" {
			t.Errorf("GET after HEAD = %q", got[0])
		}
	})
}

// TestHeaderTimeoutPerRequest: under pipelining where every read completes
// one request and starts the next, each new header gets its own header
// timeout; the first partial header's deadline must not end the connection.
func TestHeaderTimeoutPerRequest(t *testing.T) {
	short := func() *server { return newServer(1<<20, 5*time.Second, 300*time.Millisecond) }
	forEngine(t, short, func(t *testing.T, addr string) {
		c := dial(t, addr)
		r := bufio.NewReader(c)
		const req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
		half := len(req) / 2
		io.WriteString(c, req[:half])
		for range 8 { // 8 × 100 ms: well past the 300 ms header timeout
			time.Sleep(100 * time.Millisecond) // the client's pace
			if _, err := io.WriteString(c, req[half:]+req[:half]); err != nil {
				t.Fatal(err)
			}
			if got := readResponses(t, r, 1); got[0] != "200 Hello, World!" {
				t.Fatalf("got %q", got[0])
			}
		}
	})
}
