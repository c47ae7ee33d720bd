package reference

import (
	"context"
	"errors"
	"net"
	"os"
	"time"

	"github.com/netloop/netloop/conn"
	"github.com/valyala/bytebufferpool"
)

var _ conn.Dialer = (*rloop)(nil)

// Dial implements conn.Dialer with net.Dialer on a goroutine.
func (l *rloop) Dial(ctx context.Context, network, addr string, h conn.Handler) error {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
	}
	if h == nil && l.dialOnly {
		return errors.New("reference: a client's dial needs a handler")
	}
	if h == nil {
		h = l.h
	}
	l.qmu.Lock()
	if l.stopped || l.dialsOff {
		l.qmu.Unlock()
		return conn.ErrServerClosed
	}
	l.dials.Add(1)
	l.qmu.Unlock()
	go func() {
		defer l.dials.Done()
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-l.stopDials:
				cancel()
			case <-ctx.Done():
			}
		}()
		nc, err := (&net.Dialer{Timeout: l.dialTimeout}).DialContext(ctx, network, addr)
		select {
		case <-l.stopDials:
			if err != nil {
				err = &net.OpError{Op: "dial", Net: network, Err: conn.ErrServerClosed}
			}
		default:
		}
		if err == nil {
			if !l.adopt(nc, h) {
				err = conn.ErrServerClosed
			}
		}
		if err != nil {
			var op *net.OpError
			if errors.As(err, &op) && errors.Is(err, context.DeadlineExceeded) {
				op.Err = os.ErrDeadlineExceeded // as the contract words it
			}
			if !errors.As(err, &op) {
				err = &net.OpError{Op: "dial", Net: network, Err: err}
			}
			d := &deadConn{l: l, remote: op.Addr}
			l.Post(func() { h.OnClose(d, err) })
		}
	}()
	return nil
}

// deadConn is what OnClose gets for a dial that never connected.
type deadConn struct {
	l      *rloop
	remote net.Addr
	value  any
}

func (d *deadConn) Write([]byte) (int, error)                { return 0, conn.ErrClosed }
func (d *deadConn) Writev([][]byte) (int, error)             { return 0, conn.ErrClosed }
func (d *deadConn) SetDeadline(time.Time) error              { return conn.ErrClosed }
func (d *deadConn) SetReadIdleTimeout(time.Duration) error   { return conn.ErrClosed }
func (d *deadConn) SetWriteStallTimeout(time.Duration) error { return conn.ErrClosed }
func (d *deadConn) AfterFunc(time.Duration, func(conn.Conn)) conn.Timer {
	return stopped{}
}
func (d *deadConn) Loop() conn.Loop                                 { return d.l }
func (d *deadConn) LocalAddr() net.Addr                             { return nil }
func (d *deadConn) RemoteAddr() net.Addr                            { return d.remote }
func (d *deadConn) Context() any                                    { return d.value }
func (d *deadConn) SetContext(v any)                                { d.value = v }
func (d *deadConn) AsyncWrite([]byte, func(conn.Conn, error)) error { return conn.ErrClosed }
func (d *deadConn) AsyncWriteBuffer(*bytebufferpool.ByteBuffer) error {
	return conn.ErrClosed
}
func (d *deadConn) Wake() error  { return conn.ErrClosed }
func (d *deadConn) Close() error { return nil }

type stopped struct{}

func (stopped) Stop() bool               { return false }
func (stopped) Reset(time.Duration) bool { return false }
