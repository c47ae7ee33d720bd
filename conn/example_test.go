package conn_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/reactor"
)

// counter keeps a count per loop, shared-nothing: each loop's slot is
// touched only on that loop, so no lock guards it.
type counter struct {
	mu    sync.Mutex // only while loops start
	slots []int
}

func (h *counter) OnLoopStart(l conn.Loop) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.slots) < l.Count() {
		h.slots = make([]int, l.Count())
	}
}

func (h *counter) OnLoopStop(l conn.Loop) {}

func (h *counter) OnOpen(c conn.Conn) {
	h.slots[c.Loop().Index()]++
	n := h.slots[c.Loop().Index()]
	// Greet after a moment, on the connection's loop; the timer goes
	// with the connection if it closes first.
	c.AfterFunc(10*time.Millisecond, func(c conn.Conn) {
		fmt.Fprintf(writer{c}, "you are visitor %d of this loop\n", n)
	})
	c.SetReadIdleTimeout(time.Minute)
}

func (h *counter) OnData(c conn.Conn, in []byte) int { return len(in) }
func (h *counter) OnClose(c conn.Conn, err error)    {}

type writer struct{ c conn.Conn }

func (w writer) Write(p []byte) (int, error) { return w.c.Write(p) }

func ExampleLoopHandler() {
	srv, err := reactor.Listen("127.0.0.1:0", conn.Config{Loops: 1})
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- srv.Serve(ctx, &counter{}) }()
	for range 2 {
		c, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			panic(err)
		}
		line, _ := bufio.NewReader(c).ReadString('\n')
		fmt.Print(line)
		c.Close()
	}
	stop()
	<-done
	// Output:
	// you are visitor 1 of this loop
	// you are visitor 2 of this loop
}

func ExampleLoop_Post() {
	srv, err := reactor.Listen("127.0.0.1:0", conn.Config{Loops: 1})
	if err != nil {
		panic(err)
	}
	conns := make(chan conn.Conn, 1)
	h := conn.HandlerFuncs{Open: func(c conn.Conn) { conns <- c }}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- srv.Serve(ctx, h) }()
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		panic(err)
	}
	sc := <-conns
	// From this goroutine, run code on the connection's loop, where it
	// may use the connection as a callback would.
	sc.Loop().Post(func() { sc.Write([]byte("hello from the loop\n")) })
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(line)
	c.Close()
	stop()
	<-done
	// Output: hello from the loop
}
