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

// slowUpper hands each line to a worker goroutine, which answers through
// AsyncWrite: the loop never waits for the work.
type slowUpper struct{ work chan job }

type job struct {
	c    conn.Conn
	line string
}

func (h slowUpper) OnOpen(conn.Conn)         {}
func (h slowUpper) OnClose(conn.Conn, error) {}

// OnData queues every complete line; a partial one waits for the rest,
// which arrives with the next call. The loop never waits for the work.
func (h slowUpper) OnData(c conn.Conn, in []byte) int {
	consumed := 0
	for {
		line, _, found := strings.Cut(string(in[consumed:]), "\n")
		if !found {
			return consumed
		}
		select {
		case h.work <- job{c, line}:
		default: // never block the loop: a full queue says so
			c.Write([]byte("BUSY\n"))
		}
		consumed += len(line) + 1
	}
}

// worker answers jobs off the loop. AsyncWrite is safe from any goroutine;
// the reply slice is not touched again, so no completion is needed.
func worker(work <-chan job) {
	for j := range work {
		j.c.AsyncWrite([]byte(strings.ToUpper(j.line)+"\n"), nil)
	}
}

// Example_asyncWrite shows work done off the event loop and written back
// from another goroutine.
func Example_asyncWrite() {
	work := make(chan job, 64)
	go worker(work)
	srv, err := netloop.Listen("127.0.0.1:0", netloop.Config{})
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- srv.Serve(ctx, slowUpper{work}) }()

	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		panic(err)
	}
	fmt.Fprint(c, "done off the loop\n")
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(line)
	c.Close()
	stop()
	<-done
	close(work)
	// Output:
	// DONE OFF THE LOOP
}
