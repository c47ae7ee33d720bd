package goroutine

import (
	"io"
	"testing"

	"github.com/netloop/netloop/conn"
)

// halfCloser is a probe that also hears of the peer's FIN.
type halfCloser struct {
	*probe
	peerClosed chan struct{}
}

var _ conn.HalfCloseHandler = halfCloser{}

// OnPeerClosedWrite answers the FIN with a last word and a FIN of its own.
func (h halfCloser) OnPeerClosedWrite(c conn.Conn) {
	c.Write([]byte("bye"))
	c.(conn.FlowController).CloseWrite()
	h.peerClosed <- struct{}{}
}

// TestHalfCloseHandler: after the peer's FIN the connection stays open for
// writing; CloseWrite sends the FIN once the output is out, and the
// connection ends only when the handler closes it.
func TestHalfCloseHandler(t *testing.T) {
	p := newProbe()
	h := halfCloser{p, make(chan struct{}, 1)}
	c, sc := serveHandler(t, p, h)
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	c.(interface{ CloseWrite() error }).CloseWrite()
	b, err := io.ReadAll(c)
	if string(b) != "hibye" || err != nil {
		t.Fatalf("read %q, %v; want the echo, the last word, then EOF", b, err)
	}
	wait(t, h.peerClosed)
	select {
	case err := <-p.closed:
		t.Fatalf("closed before the handler closed it: %v", err)
	default:
	}
	if err := sc.Loop().Post(func() { sc.Close() }); err != nil {
		t.Fatal(err)
	}
	if err := wait(t, p.closed); err != nil {
		t.Errorf("OnClose(%v), want nil", err)
	}
}

// TestPauseReading: a connection whose reading is paused takes no input
// until ResumeReading, which wakes its goroutine.
func TestPauseReading(t *testing.T) {
	p := newProbe()
	p.open = func(c conn.Conn) { c.(conn.FlowController).PauseReading() }
	got := make(chan string, 4)
	p.data = func(c conn.Conn, in []byte) int {
		got <- string(in)
		c.Write(in)
		return len(in)
	}
	c, sc := serve(t, p)
	if _, err := c.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	early := make(chan int, 1)
	sc.Loop().Post(func() {
		early <- len(got)
		sc.(conn.FlowController).ResumeReading()
	})
	if n := wait(t, early); n != 0 {
		t.Fatalf("%d OnData calls while paused", n)
	}
	b := make([]byte, 3)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "abc" {
		t.Fatalf("read %q, %v after ResumeReading; want the echo", b, err)
	}
}
