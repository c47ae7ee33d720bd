package goroutine

import (
	"context"
	"errors"
	"net"
	"os"

	"github.com/netloop/netloop/internal/engine"
)

// connect is the kit's connect hook (engine.Loop.SetConnect): it makes the
// connection, dialling, and dials on a goroutine of its own, which
// net.Dialer blocks in the kernel without the loop's mutex; connected,
// that goroutine becomes the connection's. The kit finishes the
// connection if the dial's context ends first; the loop's shutdown
// finishes it with conn.ErrServerClosed. Either cancels the dial. Loop
// only.
func (l *loop) connect(d *engine.Dialing) error {
	ctx, cancel := context.WithCancel(d.Ctx)
	c := &tcpConn{l: l, s: l.a, cancelDial: cancel, park: make(chan struct{}, 1)}
	c.InitDial(c, &l.Loop, d)
	l.live[c] = struct{}{}
	l.conns.Add(1)
	go c.dial(ctx, d.Network, d.Remote.String())
	return nil
}

// dial is the goroutine of a connection being dialled: it connects, then
// shows the outcome on the loop (OnOpen, or OnClose with the dial's
// error) and, connected, serves the connection.
func (c *tcpConn) dial(ctx context.Context, network, addr string) {
	l := c.l
	nd := net.Dialer{KeepAlive: l.a.cfg.KeepAlive}
	nc, err := nd.DialContext(ctx, network, addr)
	l.mu.Lock()
	l.NewTurn()
	if c.Closed() { // the context ended, or the shutdown came first
		c.cancelDial = nil
		delete(l.live, c)
		l.endTurn()
		l.mu.Unlock()
		if nc != nil {
			nc.Close()
		}
		l.conns.Done()
		return
	}
	c.cancelDial()
	c.cancelDial = nil
	var sc sockConn
	if err == nil {
		var ok bool
		if sc, ok = nc.(sockConn); !ok {
			nc.Close()
			err = errors.ErrUnsupported
		}
	}
	if err != nil {
		// The kit wraps the cause in the *net.OpError OnClose reports.
		var op *net.OpError
		if errors.As(err, &op) {
			err = op.Err
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
			err = os.ErrDeadlineExceeded
		}
		l.cur = c
		engine.Safely(func() { l.closeNow(c, err) }, l.recovered)
		l.cur = nil
		delete(l.live, c)
		l.endTurn()
		l.mu.Unlock()
		l.conns.Done()
		return
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		setTCPOptions(tc, &l.a.cfg, false)
	}
	c.nc = sc
	c.initIO()
	l.cur = c
	engine.Safely(func() { c.Connected(sc.LocalAddr()) }, l.recovered)
	l.cur = nil
	engine.Safely(l.FlushDirty, l.recovered)
	l.endTurn()
	l.mu.Unlock()
	c.run()
}
