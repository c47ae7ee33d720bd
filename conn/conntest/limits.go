package conntest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// testSlowReader: a client floods the echo server and never reads. The
// server must stop reading from it once its output passes the high-water
// mark, so the bytes the client manages to send stay bounded by the socket
// buffers plus the mark, while other connections are served normally. Once
// the client reads, everything it sent comes back intact.
func testSlowReader(t *testing.T, listen Listener) {
	const highWater = 256 << 10
	h := record(t, echo{})
	s := serve(t, listen, conn.Config{WriteHighWater: highWater}, h)
	c := s.dial(t)
	// Bytes can sit in the client's send buffer, the server's receive and
	// send buffers, the client's receive buffer, a read buffer and the
	// server's output queue; nothing else may hold them.
	bound := 2*(sysctlMax(t, "tcp_rmem")+sysctlMax(t, "tcp_wmem")) + highWater + conn.DefaultReadBufferSize
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = byte(i % 251)
	}
	sent := 0
	for sent < 4*bound {
		c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond)) // "the client is stalled"
		n, err := c.Write(chunk[sent%len(chunk):])
		sent += n
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatalf("write after %d bytes: %v", sent, err)
		}
	}
	if sent >= bound {
		t.Fatalf("client sent %d bytes without reading; bound is %d: output is not bounded", sent, bound)
	}
	other := s.dial(t)
	if got := roundTrip(t, other, []byte("others are served")); string(got) != "others are served" {
		t.Fatalf("other connection got %q", got)
	}
	c.SetDeadline(time.Now().Add(timeout))
	got := make([]byte, sent)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("reading back %d bytes: %v", sent, err)
	}
	for i, b := range got {
		if b != byte(i%len(chunk)%251) {
			t.Fatalf("byte %d of the echo is %d, want %d", i, b, byte(i%len(chunk)%251))
		}
	}
}

// sysctlMax reads the largest buffer size of net.ipv4.tcp_rmem or tcp_wmem.
func sysctlMax(t *testing.T, name string) int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/" + name)
	if err != nil {
		t.Skipf("cannot read %s to bound buffering: %v", name, err)
	}
	f := strings.Fields(string(b))
	n, err := strconv.Atoi(f[len(f)-1])
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

// hoarder never consumes anything.
type hoarder struct{ echo }

func (hoarder) OnData(conn.Conn, []byte) int { return 0 }

func testMaxInput(t *testing.T, listen Listener) {
	const maxInput = 64 << 10
	h := record(t, hoarder{})
	s := serve(t, listen, conn.Config{MaxInput: maxInput}, h)
	c := s.dial(t)
	go c.Write(make([]byte, 4*maxInput))
	expectCause(t, h.nextClose(t), conn.ErrInputTooLarge)
	expectClosedByServer(t, c)
}

// overeater claims to have consumed more than it was given.
type overeater struct{ echo }

func (overeater) OnData(_ conn.Conn, in []byte) int { return len(in) + 1 }

func testBadConsume(t *testing.T, listen Listener) {
	h := record(t, overeater{})
	s := serve(t, listen, conn.Config{}, h)
	c := s.dial(t)
	io.WriteString(c, "hello")
	expectCause(t, h.nextClose(t), conn.ErrBadConsume)
	expectClosedByServer(t, c)
}

// panicker panics on "boom" and echoes anything else.
type panicker struct{ echo }

func (p panicker) OnData(c conn.Conn, in []byte) int {
	if bytes.Equal(in, []byte("boom")) {
		panic("handler bug")
	}
	return p.echo.OnData(c, in)
}

func testHandlerPanic(t *testing.T, listen Listener) {
	h := record(t, panicker{})
	s := serve(t, listen, conn.Config{}, h)
	bystander := s.dial(t)
	roundTrip(t, bystander, []byte("hi"))
	c := s.dial(t)
	io.WriteString(c, "boom")
	expectCause(t, h.nextClose(t), conn.ErrHandlerPanic)
	expectClosedByServer(t, c)
	if got := roundTrip(t, bystander, []byte("still up")); string(got) != "still up" {
		t.Fatalf("bystander got %q", got)
	}
}

// deadliner gives each connection a deadline 50 ms away.
type deadliner struct{ echo }

func (deadliner) OnOpen(c conn.Conn) { c.SetDeadline(time.Now().Add(50 * time.Millisecond)) }

func testDeadline(t *testing.T, listen Listener) {
	h := record(t, deadliner{})
	s := serve(t, listen, conn.Config{}, h)
	c := s.dial(t)
	start := time.Now()
	expectCause(t, h.nextClose(t), os.ErrDeadlineExceeded)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("deadline of 50ms fired after %v", d)
	}
	expectClosedByServer(t, c)
}

// expectClosedByServer reads until the server's FIN or reset.
func expectClosedByServer(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(timeout))
	_, err := io.Copy(io.Discard, c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("server did not close the connection")
	}
}

// wakePanicker panics in OnWake; the second connection's "go" wakes the
// first and queues an AsyncWrite to itself, so both requests sit in the
// same batch behind the panic.
type wakePanicker struct {
	echo
	first chan conn.Conn
}

func (h wakePanicker) OnOpen(c conn.Conn) {
	select {
	case h.first <- c:
	default:
	}
}

func (h wakePanicker) OnData(c conn.Conn, in []byte) int {
	first := <-h.first
	first.Wake()
	c.AsyncWrite([]byte("after\n"), nil)
	return len(in)
}

func (wakePanicker) OnWake(conn.Conn) { panic("wake bug") }

func testPanicKeepsOtherRequests(t *testing.T, listen Listener) {
	h := record(t, wakePanicker{first: make(chan conn.Conn, 1)})
	s := serve(t, listen, conn.Config{Loops: 1}, h)
	first := s.dial(t)
	roundTripOpen(t, h)
	second := s.dial(t)
	io.WriteString(second, "go")
	expectCause(t, h.nextClose(t), conn.ErrHandlerPanic)
	expectClosedByServer(t, first)
	got := make([]byte, len("after\n"))
	if _, err := io.ReadFull(second, got); err != nil || string(got) != "after\n" {
		t.Fatalf("request queued behind a panic: got %q, %v", got, err)
	}
}

// roundTripOpen waits until the recorder has seen a connection open.
func roundTripOpen(t *testing.T, h *recorder) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for h.stillOpen() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no OnOpen")
		}
		time.Sleep(time.Millisecond) // polling the recorder, bounded
	}
}

// completionPanicker queues, from another goroutine, a write far larger
// than the socket buffers whose completion panics when it fails.
type completionPanicker struct {
	echo
	started chan struct{}
}

func (h completionPanicker) OnOpen(c conn.Conn) {
	go func() {
		c.AsyncWrite(make([]byte, 16<<20), func(_ conn.Conn, err error) {
			if err != nil {
				panic("completion bug")
			}
		})
		close(h.started)
	}()
}

// testPanicInCompletion: a completion that panics while its connection is
// finishing must not keep OnClose from running.
func testPanicInCompletion(t *testing.T, listen Listener) {
	h := record(t, completionPanicker{started: make(chan struct{})})
	s := serve(t, listen, conn.Config{WriteHighWater: 64 << 20}, h)
	c := s.dial(t)
	<-h.Handler.(completionPanicker).started
	if _, err := io.ReadFull(c, make([]byte, 64<<10)); err != nil { // the write is under way
		t.Fatal(err)
	}
	c.SetLinger(0)
	c.Close()
	if err := h.nextClose(t); err == nil {
		t.Error("OnClose cause = nil after a reset, want an error")
	}
}
