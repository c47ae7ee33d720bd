// Command echo is netloop's echo server: every byte a client sends comes
// back. It listens on 127.0.0.1:9000 by default.
//
//	go run ./examples/echo -engine reactor -loops 2
//
// Try it with a real client: `nc 127.0.0.1 9000`, type a line, and it comes
// back. SIGINT or SIGTERM drain it (each connection closes once what it
// echoed is sent, or when -shutdown-grace passes; a second signal stops
// it at once); SIGHUP hands the listening sockets to a fresh copy of the binary
// and then drains.
package main

import (
	"flag"
	"time"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/examples/internal/cmd"
)

// echo writes back whatever it receives. With idle set, a connection that
// sends nothing for that long is closed.
type echo struct{ idle time.Duration }

func (e echo) OnOpen(c conn.Conn) { e.touch(c) }

func (e echo) OnData(c conn.Conn, in []byte) int {
	e.touch(c)
	c.Write(in)
	return len(in)
}

func (echo) OnClose(conn.Conn, error) {}

// OnDrain ends the connection once what it has echoed is sent: an echo
// has no exchange to finish, only bytes to hand back.
func (echo) OnDrain(c conn.Conn) { c.Close() }

// touch pushes back c's idle deadline.
func (e echo) touch(c conn.Conn) {
	if e.idle > 0 {
		c.SetDeadline(time.Now().Add(e.idle))
	}
}

func main() {
	var o cmd.Options
	o.Register(flag.CommandLine, "127.0.0.1:9000")
	idle := flag.Duration("idle-timeout", 0, "close a client that sends nothing for this long (0: never)")
	flag.Parse()
	ctx, stop := cmd.SignalContext()
	defer stop()
	cmd.Exit("echo", cmd.Run(ctx, "echo server", o, echo{idle: *idle}, nil))
}
