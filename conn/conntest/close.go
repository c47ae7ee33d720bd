package conntest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// testHalfClose: the client sends requests and shuts down its side at once;
// every reply it is owed must still arrive before the server closes.
func testHalfClose(t *testing.T, listen Listener) {
	h := record(t, lines{})
	s := serve(t, listen, conn.Config{}, h)
	c := s.dial(t)
	var req, want strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&req, "%s\n", strings.Repeat("y", i%50))
		fmt.Fprintf(&want, "%d\n", i%50)
	}
	if _, err := io.WriteString(c, req.String()); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if got := readToEOF(t, c); string(got) != want.String() {
		t.Fatalf("got %d bytes of replies, want %d", len(got), want.Len())
	}
	expectCause(t, h.nextClose(t), io.EOF)
}

// testCutShort: a peer that closes in the middle of a frame ends the
// connection with a cause matching io.ErrUnexpectedEOF, not a plain EOF
// that would hide the lost partial input; one that closes between frames
// gives io.EOF.
func testCutShort(t *testing.T, listen Listener) {
	h := record(t, lines{})
	s := serve(t, listen, conn.Config{}, h)
	for _, tc := range []struct {
		send string
		want error
	}{
		{send: "whole\n", want: io.EOF},
		{send: "whole\npart", want: io.ErrUnexpectedEOF},
	} {
		c := s.dial(t)
		io.WriteString(c, tc.send)
		c.CloseWrite()
		readToEOF(t, c)
		if err := h.nextClose(t); !errors.Is(err, tc.want) || (tc.want == io.EOF && err != io.EOF) {
			t.Errorf("peer closed after %q: OnClose cause %v, want %v", tc.send, err, tc.want)
		}
	}
}

// testClientReset: a client that resets its connection ends only that
// connection, with an error cause.
func testClientReset(t *testing.T, listen Listener) {
	h := record(t, echo{})
	s := serve(t, listen, conn.Config{}, h)
	c := s.dial(t)
	roundTrip(t, c, []byte("ping"))
	c.SetLinger(0) // close sends RST
	c.Close()
	if err := h.nextClose(t); err == nil {
		t.Error("OnClose cause = nil after a reset, want an error")
	}
	other := s.dial(t)
	if got := roundTrip(t, other, []byte("still there?")); string(got) != "still there?" {
		t.Fatalf("other connection got %q", got)
	}
}

// closer answers "bye" with a reply of the given size, then closes.
type closer struct {
	echo
	reply []byte
}

func (h closer) OnData(c conn.Conn, in []byte) int {
	c.Write(h.reply)
	c.Close()
	return len(in)
}

// testCloseAfterWrite: what the handler wrote before Close is delivered
// before the FIN.
func testCloseAfterWrite(t *testing.T, listen Listener) {
	h := record(t, closer{reply: []byte("goodbye")})
	s := serve(t, listen, conn.Config{}, h)
	c := s.dial(t)
	io.WriteString(c, "bye")
	if got := readToEOF(t, c); string(got) != "goodbye" {
		t.Fatalf("got %q before EOF, want %q", got, "goodbye")
	}
	expectCause(t, h.nextClose(t), nil)
}

// testCloseAfterLargeWrite: the same with a reply much larger than the
// socket buffer, so it cannot go out in one write.
func testCloseAfterLargeWrite(t *testing.T, listen Listener) {
	reply := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	h := record(t, closer{reply: reply})
	s := serve(t, listen, conn.Config{}, h)
	c := s.dial(t)
	io.WriteString(c, "bye")
	if got := readToEOF(t, c); !bytes.Equal(got, reply) {
		t.Fatalf("got %d bytes before EOF, want %d", len(got), len(reply))
	}
	expectCause(t, h.nextClose(t), nil)
}

// handOff passes each opened connection to the test.
type handOff struct {
	echo
	conns chan conn.Conn
}

func (h handOff) OnOpen(c conn.Conn) { h.conns <- c }

func (h handOff) next(t *testing.T) conn.Conn {
	t.Helper()
	select {
	case c := <-h.conns:
		return c
	case <-time.After(timeout):
		t.Fatal("no OnOpen")
		return nil
	}
}

func testCloseFromOtherGoroutine(t *testing.T, listen Listener) {
	ho := handOff{conns: make(chan conn.Conn, 1)}
	h := record(t, ho)
	s := serve(t, listen, conn.Config{}, h)
	c := s.dial(t)
	sc := ho.next(t)
	if err := sc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := readToEOF(t, c); len(got) != 0 {
		t.Fatalf("got %q, want EOF", got)
	}
	expectCause(t, h.nextClose(t), nil)
	if err := sc.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := sc.Wake(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Wake after close = %v, want net.ErrClosed", err)
	}
}

// testShutdown: cancelling Serve's context with connections open closes
// every one of them (OnClose with ErrServerClosed) and Serve returns.
func testShutdown(t *testing.T, listen Listener) {
	const conns = 50
	h := record(t, echo{})
	s := serve(t, listen, conn.Config{}, h)
	var clients []net.Conn
	for range conns {
		c := s.dial(t)
		roundTrip(t, c, []byte("x"))
		clients = append(clients, c)
	}
	s.stop(t)
	if n := h.stillOpen(); n != 0 {
		t.Fatalf("%d connections still open after Serve returned", n)
	}
	for range conns {
		expectCause(t, h.nextClose(t), conn.ErrServerClosed)
	}
	for _, c := range clients {
		if got := readToEOF(t, c); len(got) != 0 {
			t.Fatalf("client got %q after shutdown", got)
		}
	}
	if c, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
		c.Close()
		t.Error("dial after shutdown succeeded")
	}
}

// blaster answers anything with a reply far larger than the socket buffers.
type blaster struct{ echo }

func (blaster) OnData(c conn.Conn, in []byte) int {
	c.Write(make([]byte, 8<<20))
	return len(in)
}

// testResetMidWrite: a client that resets while the server is still
// writing to it ends only its own connection, with an error cause.
func testResetMidWrite(t *testing.T, listen Listener) {
	h := record(t, blaster{})
	s := serve(t, listen, conn.Config{}, h)
	bystander := s.dial(t)
	c := s.dial(t)
	io.WriteString(c, "go")
	if _, err := io.ReadFull(c, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	c.SetLinger(0)
	c.Close()
	if err := h.nextClose(t); err == nil {
		t.Error("OnClose cause = nil after a reset mid-write, want an error")
	}
	io.WriteString(bystander, "x")
	if n, err := io.ReadFull(bystander, make([]byte, 8<<20)); err != nil {
		t.Fatalf("bystander got %d bytes: %v", n, err)
	}
}
