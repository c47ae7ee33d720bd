package netloop_test

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/valyala/bytebufferpool"

	"github.com/netloop/netloop/conn"
)

// opened hands each new connection to the test, so that it can write to it
// from its own goroutine, as a worker would.
type opened struct {
	echoHandler
	conns chan conn.Conn
}

func (o opened) OnOpen(c conn.Conn) { o.conns <- c }

// serveOpened starts engine e with a handler that hands the test its
// connection, and dials it.
func serveOpened(t *testing.T, e conn.Engine) (conn.Conn, net.Conn) {
	h := opened{conns: make(chan conn.Conn, 1)}
	client := dialAll(t, start(t, e, 1, h), 1)[0]
	select {
	case c := <-h.conns:
		return c, client
	case <-time.After(10 * time.Second):
		t.Fatal("no OnOpen")
		return nil, nil
	}
}

// TestAsyncWriteBuffer: replies built off the loop in pooled buffers
// arrive whole and in order.
func TestAsyncWriteBuffer(t *testing.T) {
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			c, client := serveOpened(t, e)
			var want bytes.Buffer
			for i := range 1000 {
				b := bytebufferpool.Get()
				b.B = append(b.B, byte('a'+i%26), '\n')
				want.Write(b.B)
				if err := c.AsyncWriteBuffer(b); err != nil {
					t.Fatal(err)
				}
			}
			got := make([]byte, want.Len())
			if _, err := io.ReadFull(client, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatal("replies arrived out of order or damaged")
			}
		})
	}
}

// TestAsyncWriteBufferAllocs: a worker that formats each reply into a
// pooled buffer and hands it over with AsyncWriteBuffer allocates nothing
// per reply in steady state, on the worker's side or the loop's.
func TestAsyncWriteBufferAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			c, client := serveOpened(t, e)
			reply := bytes.Repeat([]byte("r"), 64)
			got := make([]byte, len(reply))
			send := func() {
				b := bytebufferpool.Get()
				b.B = append(b.B, reply...)
				if err := c.AsyncWriteBuffer(b); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(client, got); err != nil {
					t.Fatal(err)
				}
			}
			for range 100 {
				send()
			}
			// A buffer the loop did not give back to the pool would make
			// each Get allocate.
			if n := testing.AllocsPerRun(1000, send); n != 0 {
				t.Errorf("%.2f allocations per reply, want 0", n)
			}
			// The control: a fresh slice per reply must show.
			fresh := func() {
				if err := c.AsyncWrite(append([]byte(nil), reply...), nil); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(client, got); err != nil {
					t.Fatal(err)
				}
			}
			if n := testing.AllocsPerRun(100, fresh); n < 1 {
				t.Errorf("a fresh slice per reply measured %.2f allocations, want >= 1", n)
			}
		})
	}
}
