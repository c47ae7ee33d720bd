package engine

import (
	"errors"
	"syscall"
	"testing"

	"github.com/netloop/netloop/conn"
)

// TestAsyncWriteLimit: AsyncWrite refuses with ErrWouldBlock once what is
// queued, with the unsent output, would pass the limit; room comes back as
// the loop sends.
func TestAsyncWriteLimit(t *testing.T) {
	c, l, _ := newTestConn(conn.Config{AsyncWriteLimit: 1000})
	h := &script{}
	piece := make([]byte, 300) // 364 bytes with the request's cost
	for i := range 2 {
		if err := c.AsyncWrite(piece, nil); err != nil {
			t.Fatalf("write %d within the limit: %v", i, err)
		}
	}
	err := c.AsyncWrite(piece, nil)
	if !errors.Is(err, conn.ErrWouldBlock) || !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("write past the limit = %v, want ErrWouldBlock matching EAGAIN", err)
	}
	for r, ok := l.NextRequest(); ok; r, ok = l.NextRequest() {
		l.Do(h, r)
	}
	// Carried out but not sent, the 600 bytes still count.
	if err := c.AsyncWrite(piece, nil); err != nil {
		t.Fatalf("write with 600 bytes unsent: %v", err)
	}
	if err := c.AsyncWrite(piece, nil); !errors.Is(err, conn.ErrWouldBlock) {
		t.Fatalf("write with 600 bytes unsent and 364 queued = %v, want ErrWouldBlock", err)
	}
	for r, ok := l.NextRequest(); ok; r, ok = l.NextRequest() {
		l.Do(h, r)
	}
	c.Advance(c.Buffered())
	for i := range 2 {
		if err := c.AsyncWrite(piece, nil); err != nil {
			t.Fatalf("write %d after everything was sent: %v", i, err)
		}
	}
	// One write larger than the limit goes through on an empty queue.
	c2, _, _ := newTestConn(conn.Config{AsyncWriteLimit: 10})
	if err := c2.AsyncWrite(make([]byte, 100), nil); err != nil {
		t.Fatalf("an oversized write on an empty queue: %v", err)
	}
}

// TestRequestsPerIteration: a backlog is carried out a bounded share per
// iteration, and at shutdown what is left is dropped with its completions
// failed.
func TestRequestsPerIteration(t *testing.T) {
	c, l, _ := newTestConn(conn.Config{AsyncWriteLimit: 1 << 30})
	h := &script{}
	const backlog = 3*RequestsPerIteration + 10
	var failed int
	for range backlog {
		c.AsyncWrite([]byte("x"), func(_ conn.Conn, err error) {
			if errors.Is(err, conn.ErrServerClosed) {
				failed++
			}
		})
	}
	ran := 0
	for r, ok := l.NextRequest(); ok; r, ok = l.NextRequest() {
		l.Do(h, r)
		ran++
	}
	if ran != RequestsPerIteration || !l.HasRequests() {
		t.Fatalf("one iteration ran %d requests (more waiting: %v), want %d and more waiting", ran, l.HasRequests(), RequestsPerIteration)
	}
	l.RefuseRequests()
	l.DropRequests()
	if l.HasRequests() || failed != backlog-RequestsPerIteration {
		t.Fatalf("after DropRequests: %d completions failed (want %d), more waiting: %v", failed, backlog-RequestsPerIteration, l.HasRequests())
	}
}
