//go:build linux

package proactor_test

import (
	"context"
	"errors"
	"log"
	"os"
	"os/signal"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/proactor"
	"github.com/netloop/netloop/reactor"
)

// Listen with the proactor where io_uring is usable, and with the epoll
// reactor where it is not (a container whose seccomp profile forbids
// io_uring, a kernel older than 6.0).
func ExampleListen() {
	var srv conn.Server
	s, err := proactor.Listen("127.0.0.1:9000", conn.Config{})
	switch {
	case errors.Is(err, conn.ErrUnsupported):
		log.Printf("io_uring unavailable, using epoll: %v", err)
		srv, err = reactor.Listen("127.0.0.1:9000", conn.Config{})
	case err == nil:
		srv = s
	}
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	echo := conn.HandlerFuncs{Data: func(c conn.Conn, in []byte) int {
		c.Write(in)
		return len(in)
	}}
	if err := srv.Serve(ctx, echo); err != nil {
		log.Fatal(err)
	}
}
