// Command echo is netloop's echo server: every byte a client sends comes
// back. It listens on 127.0.0.1:9000 by default.
//
//	go run ./examples/echo -engine reactor -loops 2
//
// Try it with a real client: `nc 127.0.0.1 9000`, type a line, and it comes
// back. SIGINT or SIGTERM shut it down gracefully.
package main

import (
	"flag"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/examples/internal/cmd"
)

// echo writes back whatever it receives.
type echo struct{}

func (echo) OnOpen(conn.Conn) {}

func (echo) OnData(c conn.Conn, in []byte) int {
	c.Write(in)
	return len(in)
}

func (echo) OnClose(conn.Conn, error) {}

func main() {
	var o cmd.Options
	o.Register(flag.CommandLine, "127.0.0.1:9000")
	flag.Parse()
	ctx, stop := cmd.SignalContext()
	defer stop()
	cmd.Exit("echo", cmd.Run(ctx, "echo server", o, echo{}, nil))
}
