package goroutine

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// probe is a handler whose callbacks report to the test.
type probe struct {
	open   func(c conn.Conn)
	data   func(c conn.Conn, in []byte) int
	wake   func(c conn.Conn)
	woken  chan bool // whether the connection held a read buffer in OnWake
	closed chan error
}

func (p *probe) OnOpen(c conn.Conn) {
	if p.open != nil {
		p.open(c)
	}
}

func (p *probe) OnData(c conn.Conn, in []byte) int {
	if p.data != nil {
		return p.data(c, in)
	}
	c.Write(in)
	return len(in)
}

func (p *probe) OnClose(_ conn.Conn, err error) { p.closed <- err }

func (p *probe) OnWake(c conn.Conn) {
	if p.wake != nil {
		p.wake(c)
	}
	p.woken <- c.(*tcpConn).holding.Load()
}

func newProbe() *probe {
	return &probe{woken: make(chan bool, 1), closed: make(chan error, 1)}
}

// serve runs h on a fresh server and returns a connected client and the
// server side of its connection.
func serve(t *testing.T, h *probe) (net.Conn, conn.Conn) {
	t.Helper()
	return serveHandler(t, h, h)
}

// serveHandler is serve with served, a handler built on the probe h.
func serveHandler(t *testing.T, h *probe, served conn.Handler) (net.Conn, conn.Conn) {
	t.Helper()
	opened := make(chan conn.Conn, 1)
	inner := h.open
	h.open = func(c conn.Conn) {
		opened <- c
		if inner != nil {
			inner(c)
		}
	}
	s, err := Listen("127.0.0.1:0", conn.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, served) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, wait(t, opened)
}

func wait[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out")
		var zero T
		return zero
	}
}

// TestIdleHoldsNoReadBuffer: between messages a connection waits for input
// without a buffer (on Unix; on Windows it blocks in Read with one).
func TestIdleHoldsNoReadBuffer(t *testing.T) {
	h := newProbe()
	c, sc := serve(t, h)
	msg := make([]byte, 1000)
	for range 3 {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Read(msg); err != nil {
			t.Fatal(err)
		}
	}
	// The connection's goroutine gives its buffer back once its next read
	// finds nothing, which on a loaded machine may come after the echo
	// has reached the client: ask until it has, for a few seconds.
	held := !idleHoldsBuffer
	for deadline := time.Now().Add(5 * time.Second); held != idleHoldsBuffer && time.Now().Before(deadline); {
		if err := sc.Wake(); err != nil {
			t.Fatal(err)
		}
		held = wait(t, h.woken)
		if held != idleHoldsBuffer {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if held != idleHoldsBuffer {
		t.Errorf("idle connection holds a read buffer: %v, want %v", held, idleHoldsBuffer)
	}
}

// blast is OnData writing far more than the socket buffers hold, so the
// connection ends up waiting for the client to read.
func blast(c conn.Conn, in []byte) int {
	c.Write(make([]byte, 32<<20))
	return len(in)
}

// TestWaitingWriterStillServed: while a connection waits for a client that
// does not read, a Wake still runs and its deadline still fires.
func TestWaitingWriterStillServed(t *testing.T) {
	h := newProbe()
	h.data = blast
	h.wake = func(c conn.Conn) { c.SetDeadline(time.Now().Add(50 * time.Millisecond)) }
	c, sc := serve(t, h)
	if _, err := c.Write([]byte("go")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); err != nil { // the write is under way
		t.Fatal(err)
	}
	if err := sc.Wake(); err != nil {
		t.Fatal(err)
	}
	wait(t, h.woken)
	if err := wait(t, h.closed); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("OnClose cause = %v, want the deadline", err)
	}
}

// TestCloseWhileWaitingToWrite: Close from another goroutine while the
// output waits for a slow client: everything written before arrives, then
// EOF, and OnClose gets nil.
func TestCloseWhileWaitingToWrite(t *testing.T) {
	h := newProbe()
	h.data = blast
	c, sc := serve(t, h)
	if _, err := c.Write([]byte("go")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	if err := sc.Close(); err != nil {
		t.Fatal(err)
	}
	n := 1
	buf := make([]byte, 1<<20)
	for {
		m, err := c.Read(buf)
		n += m
		if err != nil {
			break
		}
	}
	if n != 32<<20 {
		t.Errorf("client read %d bytes before the close, want %d", n, 32<<20)
	}
	if err := wait(t, h.closed); err != nil {
		t.Errorf("OnClose cause = %v, want nil", err)
	}
}

// perLoop is a handler whose state is indexed by the loop and kept without
// a lock, as the contract allows: the race detector fails the test if two
// callbacks of one loop ever run at once.
type perLoop struct {
	counts []int // per loop: callbacks run there
	closed chan struct{}
}

func (h *perLoop) bump(c conn.Conn) { h.counts[c.Loop().Index()]++ }

func (h *perLoop) OnOpen(c conn.Conn) {
	h.bump(c)
	c.AfterFunc(time.Millisecond, h.bump)
}

func (h *perLoop) OnData(c conn.Conn, in []byte) int {
	h.bump(c)
	c.Write(in)
	l := c.Loop()
	c.AsyncWrite(nil, func(c conn.Conn, _ error) { h.bump(c) })
	l.Post(func() { h.counts[l.Index()]++ })
	return len(in)
}

func (h *perLoop) OnClose(c conn.Conn, _ error) {
	h.bump(c)
	h.closed <- struct{}{}
}

// TestLoopSerialisesCallbacks: callbacks, timers, completions and posted
// functions of all the connections of one loop run one at a time, so
// per-loop state needs no lock, while the loops run in parallel.
func TestLoopSerialisesCallbacks(t *testing.T) {
	const loops, clients, trips = 3, 12, 50
	h := &perLoop{counts: make([]int, loops), closed: make(chan struct{}, clients)}
	s, err := Listen("127.0.0.1:0", conn.Config{Loops: loops})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, h) }()
	errs := make(chan error, clients)
	for range clients {
		go func() {
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			buf := make([]byte, 5)
			for range trips {
				if _, err := c.Write([]byte("hello")); err != nil {
					errs <- err
					return
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range clients {
		if err := wait(t, errs); err != nil {
			t.Fatal(err)
		}
	}
	for range clients {
		wait(t, h.closed)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	total := 0
	for i, n := range h.counts {
		if n == 0 {
			t.Errorf("loop %d ran no callbacks: connections are not shared round-robin", i)
		}
		total += n
	}
	// Per connection: OnOpen, OnClose, and per trip OnData, a completion
	// and a posted function (the timer may not have fired: not counted).
	if want := clients * (2 + 3*trips); total < want {
		t.Errorf("%d callbacks counted, want at least %d", total, want)
	}
}
