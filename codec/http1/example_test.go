package http1_test

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/netloop/netloop/codec/http1"
)

func ExampleParser_Parse() {
	// Two pipelined requests and the start of a third, as one read might
	// deliver them.
	in := []byte("GET /hello?name=go HTTP/1.1\r\nHost: example.org\r\n\r\n" +
		"POST /echo HTTP/1.1\r\nHost: example.org\r\nContent-Length: 2\r\n\r\nhi" +
		"GET /nex")
	var p http1.Parser // one per connection
	var r http1.Request
	for {
		n, err := p.Parse(in, &r)
		if err != nil {
			fmt.Println("reject with", err.(*http1.Error).Status)
			return
		}
		if n == 0 {
			fmt.Printf("need more after %q\n", in)
			return
		}
		fmt.Printf("%s %s query=%s body=%q\n", r.Method, r.Path, r.Query, r.Body)
		in = in[n:]
	}
	// Output:
	// GET /hello query=name=go body=""
	// POST /echo query= body="hi"
	// need more after "GET /nex"
}

func ExampleParser_Parse_rejection() {
	var p http1.Parser
	var r http1.Request
	_, err := p.Parse([]byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"), &r)
	fmt.Println(err, err.(*http1.Error).Status)
	// Output: http1: both Content-Length and Transfer-Encoding 400
}

func ExampleResponse_Append() {
	w := http1.Response{ContentType: "text/plain", Body: []byte("Hello, World!"), Close: true}
	out := w.Append(nil)
	// The Date header changes every second; mask it.
	out = regexp.MustCompile(`Date: .*\r\n`).ReplaceAll(out, []byte("Date: <now>\r\n"))
	fmt.Println(strings.ReplaceAll(string(out), "\r\n", "\n"))
	// Output:
	// HTTP/1.1 200 OK
	// Server: netloop
	// Date: <now>
	// Content-Type: text/plain
	// Content-Length: 13
	// Connection: close
	//
	// Hello, World!
}
