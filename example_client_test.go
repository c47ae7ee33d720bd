package netloop_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// pinger sends one line once connected, reports the reply, and closes.
type pinger struct {
	replies chan string
	closed  chan error
}

func (p pinger) OnOpen(c conn.Conn) { c.Write([]byte("ping\n")) }

func (p pinger) OnData(c conn.Conn, in []byte) int {
	if in[len(in)-1] != '\n' {
		return 0 // not a whole line yet: offered again with more
	}
	p.replies <- string(in[:len(in)-1])
	c.Close()
	return len(in)
}

func (p pinger) OnClose(c conn.Conn, err error) { p.closed <- err }

// A program that only dials needs no listener: a Client has loops of its
// own. Here it dials a plain echo server, and once more a port nobody
// listens on.
func ExampleNewClient() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()

	client, err := netloop.NewClient(netloop.Config{Loops: 2, DialTimeout: 5 * time.Second})
	if err != nil {
		panic(err)
	}
	defer client.Close()

	p := pinger{replies: make(chan string, 1), closed: make(chan error, 1)}
	if err := client.Dial(context.Background(), "tcp", ln.Addr().String(), p); err != nil {
		panic(err)
	}
	fmt.Println("reply:", <-p.replies)
	fmt.Println("closed:", <-p.closed)

	// A dial that fails gets OnClose without OnOpen; the error matches
	// the connect's errno (syscall.ECONNREFUSED here).
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := closed.Addr().String()
	closed.Close()
	client.Dial(context.Background(), "tcp", addr, p)
	fmt.Println("refused:", errors.Is(<-p.closed, syscall.ECONNREFUSED))
	// Output:
	// reply: ping
	// closed: <nil>
	// refused: true
}
