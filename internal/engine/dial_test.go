package engine

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// dialLoop is a loop whose engine connect makes a connection and leaves
// it connecting, recording each.
func dialLoop(cfg conn.Config) (*Loop, *[]*testConn) {
	l := &Loop{}
	l.Init(cfg, func() error { return nil })
	var made []*testConn
	l.SetConnect(func(d *Dialing) error {
		c := &testConn{}
		c.InitDial(c, l, d)
		made = append(made, c)
		return nil
	})
	return l, &made
}

// runRequests carries out what is queued, as an engine's iteration does.
func runRequests(l *Loop, h conn.Handler) {
	for r, ok := l.NextRequest(); ok; r, ok = l.NextRequest() {
		l.Do(h, r)
	}
}

// TestDialDeadline: the earlier of the context's deadline and
// Config.DialTimeout is a timer of the loop that expires the connection
// with os.ErrDeadlineExceeded; connecting disarms it.
func TestDialDeadline(t *testing.T) {
	for _, tc := range []struct {
		name        string
		dialTimeout time.Duration
		ctxTimeout  time.Duration // 0: none
		connect     bool          // connected before the deadline
		want        time.Duration // 0: no timer left armed
	}{
		{"none", 0, 0, false, 0},
		{"config", 50 * time.Millisecond, 0, false, 50 * time.Millisecond},
		{"context first", time.Hour, 50 * time.Millisecond, false, 50 * time.Millisecond},
		{"config first", 50 * time.Millisecond, time.Hour, false, 50 * time.Millisecond},
		{"connected", 50 * time.Millisecond, 0, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, made := dialLoop(conn.Config{DialTimeout: tc.dialTimeout})
			ctx := context.Background()
			if tc.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
				defer cancel()
			}
			h := &script{}
			if err := l.Dial(ctx, "tcp", "127.0.0.1:9", h); err != nil {
				t.Fatal(err)
			}
			runRequests(l, h)
			if len(*made) != 1 {
				t.Fatalf("%d connections made, want 1", len(*made))
			}
			c := (*made)[0]
			if tc.connect {
				c.Connected(&net.TCPAddr{})
			}
			ms := l.WaitTimeout()
			if tc.want == 0 {
				if ms != -1 {
					t.Fatalf("WaitTimeout = %dms, want no timer", ms)
				}
				return
			}
			if ms < 0 || time.Duration(ms)*time.Millisecond > tc.want+time.Millisecond {
				t.Fatalf("WaitTimeout = %dms, want about %v", ms, tc.want)
			}
			time.Sleep(time.Duration(ms) * time.Millisecond) // the loop's wait
			expired := l.RunTimers()
			if len(expired) != 1 || expired[0] != &c.Core || !errors.Is(c.TimedOut(), os.ErrDeadlineExceeded) {
				t.Fatalf("RunTimers = %v (cause %v), want the connection, timed out", expired, c.TimedOut())
			}
			c.Finish(h, c.TimedOut())
			var op *net.OpError
			if len(h.closed) != 1 || !errors.As(h.closed[0], &op) || op.Op != "dial" || !errors.Is(op, os.ErrDeadlineExceeded) {
				t.Fatalf("OnClose got %v, want a dial *net.OpError matching os.ErrDeadlineExceeded", h.closed)
			}
			if ms := l.WaitTimeout(); ms != -1 {
				t.Errorf("after Finish WaitTimeout = %dms, want no timer", ms)
			}
		})
	}
}

// TestDialDroppedAtStop: a dial still queued when the loop stops is
// dropped with its handler told, not silently, and never connects.
func TestDialDroppedAtStop(t *testing.T) {
	l, made := dialLoop(conn.Config{})
	h := &script{}
	if err := l.Dial(context.Background(), "tcp", "127.0.0.1:9", h); err != nil {
		t.Fatal(err)
	}
	l.handler = h // the server's, as Begin sets it
	l.RefuseRequests()
	l.DropRequests()
	var op *net.OpError
	if len(*made) != 0 || len(h.closed) != 1 || !errors.As(h.closed[0], &op) || !errors.Is(op, conn.ErrServerClosed) {
		t.Fatalf("made %d connections, OnClose got %v; want none and a dial error matching ErrServerClosed", len(*made), h.closed)
	}
	if err := l.Dial(context.Background(), "tcp", "127.0.0.1:9", h); !errors.Is(err, conn.ErrServerClosed) {
		t.Errorf("Dial after the stop: %v, want ErrServerClosed", err)
	}
}
