//go:build !windows

// cloudwego/netpoll has no Windows port, so this peer is absent there.

package peers

import (
	"context"
	"io"
	"time"

	"github.com/cloudwego/netpoll"
)

func init() {
	Register(Server{
		Name:  "netpoll",
		Modes: []Mode{Echo},
		Config: map[Mode]string{
			Echo: "cloudwego/netpoll: SetNumLoops(loops), NewEventLoop with default options (OnRequest runs on its goroutine pool); the handler hands the read bytes to the writer without copying (Next, WriteBinary, Flush, Release)",
		},
		Start: startNetpoll,
	})
}

func startNetpoll(opt Options) (io.Closer, error) {
	if opt.Loops > 0 {
		if err := netpoll.SetNumLoops(opt.Loops); err != nil {
			return nil, err
		}
	}
	loop, err := netpoll.NewEventLoop(echoNetpoll)
	if err != nil {
		return nil, err
	}
	ln, err := netpoll.CreateListener("tcp", opt.Addr)
	if err != nil {
		return nil, err
	}
	go loop.Serve(ln)
	return closerFunc(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return loop.Shutdown(ctx)
	}), nil
}

func echoNetpoll(_ context.Context, c netpoll.Connection) error {
	r := c.Reader()
	buf, err := r.Next(r.Len())
	if err != nil {
		return err
	}
	w := c.Writer()
	if _, err := w.WriteBinary(buf); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return r.Release()
}
