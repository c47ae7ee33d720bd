package peers

import (
	"bytes"
	"net/http"
	"sync/atomic"
	"time"
)

// HelloBody is what every HTTP server answers.
const HelloBody = "Hello, World!"

// helloResponse holds the full HTTP response for servers that write raw
// bytes (gnet): the status line, the same headers net/http sends for this
// handler, and the body. The Date header changes once a second, so the whole
// response is rebuilt then, by a timer, never per request.
var helloResponse atomic.Pointer[[]byte]

func init() {
	buildHelloResponse()
	go func() {
		for range time.Tick(time.Second) {
			buildHelloResponse()
		}
	}()
}

func buildHelloResponse() {
	b := []byte("HTTP/1.1 200 OK\r\nServer: peers\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\nDate: ")
	b = time.Now().UTC().AppendFormat(b, http.TimeFormat)
	b = append(b, "\r\n\r\n"+HelloBody...)
	helloResponse.Store(&b)
}

// currentHello returns the complete HTTP response (headers and HelloBody)
// that the raw-bytes servers send for each request. The caller must not
// modify it.
func currentHello() []byte { return *helloResponse.Load() }

// requestEnd returns the length of the first complete request in in, or 0
// if in holds no complete request yet. Requests are framed by the blank line
// that ends the headers; the benchmark's requests (wrk's GET /) have no body.
// It is the minimum a raw-bytes server must do to answer pipelined requests
// one for one, the same work gnet's own HTTP examples do.
func requestEnd(in []byte) int {
	i := bytes.Index(in, []byte("\r\n\r\n"))
	if i < 0 {
		return 0
	}
	return i + 4
}

// writeHello is the handler of the net/http-style servers.
func writeHello(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(HelloBody))
}
