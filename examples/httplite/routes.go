package main

import (
	"time"

	"github.com/netloop/netloop/codec/http1"
	"github.com/netloop/netloop/conn"
)

var (
	helloBody    = []byte("Hello, World!")
	jsonBody     = []byte(`{"message":"Hello, World!"}`)
	notFoundBody = []byte("404 page not found")
)

// route appends the response to r, received on c, to out, dated now.
func route(out []byte, c conn.Conn, r *http1.Request, now time.Time) []byte {
	w := http1.Response{Date: now}
	w.For(r)
	// Compared as string(b) == "...", which copies nothing.
	get := string(r.Method) == "GET"
	if string(r.Method) == "HEAD" { // GET's header, without the body
		get, w.OmitBody = true, true
	}
	switch {
	case get && string(r.Path) == "/":
		w.ContentType, w.Body = "text/plain; charset=utf-8", helloBody
	case get && string(r.Path) == "/json":
		w.ContentType, w.Body = "application/json", jsonBody
	case get && string(r.Path) == "/whoami":
		// The client as the server sees it: behind a proxy that sends the
		// PROXY protocol (-proxy-protocol), the proxy's client.
		w.ContentType, w.Body = "text/plain; charset=utf-8", []byte(c.RemoteAddr().String())
	case string(r.Method) == "POST" && string(r.Path) == "/echo":
		w.ContentType, w.Body = "application/octet-stream", r.Body
	default:
		w.Status, w.ContentType, w.Body = 404, "text/plain; charset=utf-8", notFoundBody
	}
	return w.Append(out)
}
