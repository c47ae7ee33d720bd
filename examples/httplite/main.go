// Httplite is a small HTTP/1.1 server on netloop, the one to point wrk, ab
// and curl at. It keeps connections alive, answers pipelined requests in
// order, and serves:
//
//	GET  /      "Hello, World!" as text/plain
//	GET  /json  {"message":"Hello, World!"}
//	POST /echo  the request body
//
// and 404 for anything else. Usage:
//
//	go run ./examples/httplite -addr 127.0.0.1:8080 -engine auto -loops 0
//	wrk -t2 -c64 -d10s -s examples/httplite/pipeline.lua http://127.0.0.1:8080/
//
// A request's header must be complete within -header-timeout of its first
// byte and its body within -body-timeout of the header's end (10s: a 1 MiB
// body at 100 KiB/s). After an error response the server lingers, reading
// and discarding input for up to -linger-time, before it closes.
// examples/httplite/probe.sh measures these defences against slow bodies,
// NUL floods and oversized requests.
//
// SIGINT or SIGTERM shut it down gracefully.
package main

import (
	"flag"
	"time"

	"github.com/netloop/netloop/codec/http1"
	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/examples/internal/cmd"
)

func main() {
	var o cmd.Options
	o.Register(flag.CommandLine, "127.0.0.1:8080")
	idle := flag.Duration("idle-timeout", 60*time.Second, "close keep-alive connections idle this long")
	header := flag.Duration("header-timeout", 10*time.Second, "close connections whose request header takes longer")
	maxBody := flag.Int("max-body", http1.DefaultMaxBodyBytes, "largest request body accepted (413 beyond)")
	body := flag.Duration("body-timeout", defaultBodyTimeout, "close connections whose request body takes longer, counted from the header's end")
	lingerTime := flag.Duration("linger-time", defaultLingerTime, "after an error response, read and discard input at most this long before closing (0: close at once)")
	lingerBytes := flag.Int("linger-bytes", defaultLingerBytes, "after an error response, read and discard at most this much input before closing")
	flag.Parse()
	ctx, stop := cmd.SignalContext()
	defer stop()
	srv := newServer(*maxBody, *idle, *header)
	srv.bodyTimeout, srv.lingerTime, srv.lingerBytes = *body, *lingerTime, *lingerBytes
	// A request stays in the connection's input until it is complete.
	o.MaxInput = max(srv.limits.MaxRequestBytes(), conn.DefaultMaxInput)
	cmd.Exit("httplite", cmd.Run(ctx, "httplite", o, srv, nil))
}
