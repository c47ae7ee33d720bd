package netloop_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// upper answers each line with the line in capitals. Lines split across
// reads need no care: what OnData does not consume comes back next time.
type upper struct{}

func (upper) OnOpen(c conn.Conn) {}

func (upper) OnData(c conn.Conn, in []byte) int {
	consumed := 0
	for {
		line, _, found := strings.Cut(string(in[consumed:]), "\n")
		if !found {
			return consumed
		}
		c.Write([]byte(strings.ToUpper(line) + "\n"))
		consumed += len(line) + 1
	}
}

func (upper) OnClose(c conn.Conn, err error) {}

func Example() {
	srv, err := netloop.Listen("127.0.0.1:0", netloop.Config{})
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- srv.Serve(ctx, upper{}) }()

	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		panic(err)
	}
	fmt.Fprint(c, "hello\nnet")
	fmt.Fprint(c, "loop\n")
	r := bufio.NewReader(c)
	for range 2 {
		line, _ := r.ReadString('\n')
		fmt.Print(line)
	}
	c.Close()
	stop()
	fmt.Println("Serve returned", <-done)
	// Output:
	// HELLO
	// NETLOOP
	// Serve returned <nil>
}
