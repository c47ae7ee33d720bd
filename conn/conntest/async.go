package conntest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/netloop/netloop/conn"
)

// testAsyncWrite: many goroutines write to one connection at once; every
// write arrives, each goroutine's in its order, and every completion runs
// once with a nil error.
func testAsyncWrite(t *testing.T, listen Listener) {
	const writers, each = 8, 500
	ho := handOff{conns: make(chan conn.Conn, 1)}
	s := serve(t, listen, conn.Config{}, record(t, ho))
	c := s.dial(t)
	sc := ho.next(t)
	var done atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				err := sc.AsyncWrite(fmt.Appendf(nil, "%d %d\n", w, i), func(_ conn.Conn, err error) {
					if err != nil {
						t.Errorf("completion error: %v", err)
					}
					done.Add(1)
				})
				if err != nil {
					t.Errorf("AsyncWrite: %v", err)
					return
				}
			}
		})
	}
	next := make([]int, writers)
	r := bufio.NewScanner(c)
	for n := 0; n < writers*each; n++ {
		if !r.Scan() {
			t.Fatalf("after %d lines: %v", n, r.Err())
		}
		var w, i int
		if _, err := fmt.Sscanf(r.Text(), "%d %d", &w, &i); err != nil || w < 0 || w >= writers {
			t.Fatalf("bad line %q", r.Text())
		}
		if i != next[w] {
			t.Fatalf("writer %d: got write %d, want %d (out of order)", w, i, next[w])
		}
		next[w]++
	}
	wg.Wait()
	// The bytes arrived, so every completion has run or is running on the
	// loop; a round trip through the loop settles the latter.
	roundTrip(t, c, []byte("sync"))
	if got := done.Load(); got != writers*each {
		t.Errorf("%d completions ran, want %d", got, writers*each)
	}
}

// testAsyncWriteAfterClose: writes to a closed connection fail with
// net.ErrClosed, and completions of writes that could not go out get an
// error rather than never running.
func testAsyncWriteAfterClose(t *testing.T, listen Listener) {
	ho := handOff{conns: make(chan conn.Conn, 1)}
	h := record(t, ho)
	s := serve(t, listen, conn.Config{}, h)
	c := s.dial(t)
	sc := ho.next(t)
	c.Close()
	h.nextClose(t)
	if err := sc.AsyncWrite([]byte("late"), func(conn.Conn, error) {
		t.Error("completion ran for a rejected AsyncWrite")
	}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("AsyncWrite after close = %v, want net.ErrClosed", err)
	}
}

// waker answers each OnWake with a line counting the wake-ups so far.
type waker struct {
	handOff
	woken atomic.Int64
}

func (h *waker) OnWake(c conn.Conn) {
	fmt.Fprintf(connWriter{c}, "woken %d\n", h.woken.Add(1))
}

func testWake(t *testing.T, listen Listener) {
	const wakes = 200
	h := &waker{handOff: handOff{conns: make(chan conn.Conn, 1)}}
	s := serve(t, listen, conn.Config{}, record(t, h))
	c := s.dial(t)
	sc := h.next(t)
	go func() {
		for range wakes {
			if err := sc.Wake(); err != nil {
				t.Errorf("Wake: %v", err)
				return
			}
		}
	}()
	r := bufio.NewScanner(c)
	for i := 1; i <= wakes; i++ {
		if !r.Scan() {
			t.Fatalf("after %d wake-ups: %v", i-1, r.Err())
		}
		if want := fmt.Sprintf("woken %d", i); r.Text() != want {
			t.Fatalf("got %q, want %q", r.Text(), want)
		}
	}
}
