// Httplite is a small HTTP/1.1 server on netloop, the one to point wrk, ab
// and curl at. It keeps connections alive, answers pipelined requests in
// order, and serves:
//
//	GET  /      "Hello, World!" as text/plain
//	GET  /json  {"message":"Hello, World!"}
//	POST /echo  the request body
//	GET  /whoami  the client's address, as RemoteAddr gives it
//
// and 404 for anything else. Behind HAProxy (send-proxy or send-proxy-v2)
// or another proxy that speaks the PROXY protocol, -proxy-protocol
// requires its header from the sources in -proxy-trusted, and /whoami
// then answers the proxy's client. Usage:
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
// SIGINT or SIGTERM drain it: no new connections, idle keep-alive
// connections closed at once, a request in progress answered with
// "Connection: close", and whatever is left closed after -shutdown-grace
// (default 30s); a second signal stops it at once. SIGHUP upgrades it
// without refusing a connection: the binary runs again with the same
// listening sockets, and once the new process serves, this one drains.
package main

import (
	"flag"
	"fmt"
	"net/netip"
	"strings"
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
	proxy := flag.Bool("proxy-protocol", false, "require a PROXY protocol v1 or v2 header from a trusted source on every connection")
	trusted := flag.String("proxy-trusted", "127.0.0.0/8,::1/128", "comma-separated prefixes (or addresses) allowed to send PROXY headers")
	body := flag.Duration("body-timeout", defaultBodyTimeout, "close connections whose request body takes longer, counted from the header's end")
	lingerTime := flag.Duration("linger-time", defaultLingerTime, "after an error response, read and discard input at most this long before closing (0: close at once)")
	lingerBytes := flag.Int("linger-bytes", defaultLingerBytes, "after an error response, read and discard at most this much input before closing")
	flag.Parse()
	if *proxy {
		prefixes, err := parsePrefixes(*trusted)
		if err != nil {
			cmd.Exit("httplite", fmt.Errorf("-proxy-trusted: %w", err))
		}
		o.ProxyProtocol = conn.ProxyProtocol{Require: true, Trusted: prefixes}
	}
	ctx, stop := cmd.SignalContext()
	defer stop()
	srv := newServer(*maxBody, *idle, *header)
	srv.bodyTimeout, srv.lingerTime, srv.lingerBytes = *body, *lingerTime, *lingerBytes
	// A request stays in the connection's input until it is complete.
	o.MaxInput = max(srv.limits.MaxRequestBytes(), conn.DefaultMaxInput)
	cmd.Exit("httplite", cmd.Run(ctx, "httplite", o, srv, nil))
}

// parsePrefixes parses a comma-separated list of prefixes such as
// "10.0.0.0/8,::1/128"; a bare address stands for itself alone.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	prefixes := []netip.Prefix{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			prefixes = append(prefixes, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		prefixes = append(prefixes, p.Masked())
	}
	return prefixes, nil
}
