//go:build linux

package proactor_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

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
