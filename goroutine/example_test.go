package goroutine_test

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/goroutine"
)

// The goroutine engine serves the same handlers as the event loops, on any
// system: here an echo server, answered once.
func Example() {
	s, err := goroutine.Listen("127.0.0.1:0", conn.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- s.Serve(ctx, conn.HandlerFuncs{Data: func(c conn.Conn, in []byte) int {
			c.Write(in)
			return len(in)
		}})
	}()

	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	io.WriteString(c, "hello")
	reply := make([]byte, 5)
	io.ReadFull(c, reply)
	c.Close()
	fmt.Printf("%s\n", reply)

	cancel()
	fmt.Println(<-done)
	// Output:
	// hello
	// <nil>
}
