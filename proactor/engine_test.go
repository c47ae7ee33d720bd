package proactor_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/proactor"
)

func TestListenUnavailable(t *testing.T) {
	restore := proactor.SetAvailable(fmt.Errorf("%w: io_uring disabled for the test", conn.ErrUnsupported))
	defer restore()
	s, err := proactor.Listen("127.0.0.1:0", conn.Config{})
	if s != nil || err == nil {
		t.Fatalf("Listen = %v, %v; want an error", s, err)
	}
	for _, want := range []error{conn.ErrUnsupported, errors.ErrUnsupported} {
		if !errors.Is(err, want) {
			t.Errorf("Listen error %v does not match %v", err, want)
		}
	}
}

// TestEchoAllocs proves that an echo round trip allocates nothing in steady
// state, on the client side (net.TCPConn) and in the loop together.
func TestEchoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	s := start(t, conn.Config{Loops: 1}, echo{})
	c := dial(t, s)
	defer c.Close()
	msg, buf := bytes.Repeat([]byte("x"), 64), make([]byte, 64)
	for range 100 { // warm the pools and the loop's slices
		roundTrip(t, c, msg, buf)
	}
	if n := testing.AllocsPerRun(1000, func() { roundTrip(t, c, msg, buf) }); n != 0 {
		t.Errorf("echo round trip allocates %v times, want 0", n)
	}
}

// TestConnectDisconnectCycles opens and closes 10,000 connections — closed
// by the client, by the server, or reset — and checks that descriptors,
// connection slots and ring operations all return to their baseline.
func TestConnectDisconnectCycles(t *testing.T) {
	const cycles, workers = 10000, 8
	h := new(counted)
	s := start(t, conn.Config{Loops: 2}, h)
	// Idle, each loop keeps two operations armed: its accept and its
	// wake-up read.
	eventually(t, "loops idle", func() bool { ops, _ := proactor.InFlight(s); return ops == 4 })
	fds := countFDs(t)

	tests := []struct {
		name string
		end  func(c *net.TCPConn) error
	}{
		{"client close", func(c *net.TCPConn) error { return c.Close() }},
		{"server close", func(c *net.TCPConn) error {
			c.Write([]byte{'q'})
			if _, err := io.ReadAll(c); err != nil {
				return err
			}
			return c.Close()
		}},
		{"client reset", func(c *net.TCPConn) error { c.SetLinger(0); return c.Close() }},
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			buf := make([]byte, 1)
			for i := w; i < cycles; i += workers {
				tt := tests[i%len(tests)]
				c, err := net.Dial("tcp", s.Addr().String())
				if err != nil {
					errs <- err
					return
				}
				if _, err := c.Write([]byte{'a'}); err == nil {
					_, err = io.ReadFull(c, buf)
				}
				if err == nil {
					err = tt.end(c.(*net.TCPConn))
				}
				if err != nil {
					c.Close()
					errs <- fmt.Errorf("cycle %d (%s): %w", i, tt.name, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	eventually(t, "every connection closed", func() bool { return h.closed.Load() == cycles })
	if got := h.opened.Load(); got != cycles {
		t.Errorf("OnOpen ran %d times, want %d", got, cycles)
	}
	eventually(t, "ring operations back to baseline", func() bool {
		ops, open := proactor.InFlight(s)
		return ops == 4 && open == 0
	})
	if got := countFDs(t); got != fds {
		t.Errorf("%d descriptors open, want the %d of before", got, fds)
	}
}

// BenchmarkEcho measures echo round trips over loopback, shaped like the
// module's root BenchmarkEcho so that the figures compare: each op is one
// message written by a client and read back; clients run one goroutine per
// connection and share the b.N round trips.
func BenchmarkEcho(b *testing.B) {
	for _, conns := range []int{1, 100} {
		for _, size := range []int{64, 4096} {
			name := fmt.Sprintf("engine=proactor/conns=%d/size=%d", conns, size)
			b.Run(name, func(b *testing.B) { benchEcho(b, conns, size) })
		}
	}
}

func benchEcho(b *testing.B, conns, size int) {
	s := start(b, conn.Config{}, echo{})
	cs := make([]*net.TCPConn, conns)
	for i := range cs {
		cs[i] = dial(b, s)
		cs[i].SetDeadline(time.Time{}) // go test -timeout bounds a benchmark
		defer cs[i].Close()
	}
	msg := bytes.Repeat([]byte("e"), size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() {
			buf := make([]byte, size)
			for next.Add(1) <= int64(b.N) {
				if _, err := c.Write(msg); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
