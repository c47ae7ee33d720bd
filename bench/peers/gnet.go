package peers

import (
	"context"
	"io"
	"time"

	"github.com/panjf2000/gnet/v2"
)

func init() {
	Register(Server{
		Name:  "gnet",
		Modes: []Mode{Echo, HTTP},
		Config: map[Mode]string{
			Echo: "gnet v2: WithNumEventLoop(loops), other options default; OnTraffic writes back c.Next(-1)",
			HTTP: "gnet v2 (no HTTP parser of its own): OnTraffic frames requests by the header terminator and answers all complete ones with one Writev of a prebuilt response (Date refreshed each second)",
		},
		Start: startGnet,
	})
}

type gnetServer struct {
	gnet.BuiltinEventEngine
	mode   Mode
	booted chan gnet.Engine
}

func startGnet(opt Options) (io.Closer, error) {
	s := &gnetServer{mode: opt.Mode, booted: make(chan gnet.Engine, 1)}
	errc := make(chan error, 1)
	go func() {
		errc <- gnet.Run(s, "tcp://"+opt.Addr, gnet.WithNumEventLoop(max(opt.Loops, 0)))
	}()
	select {
	case err := <-errc:
		return nil, err
	case eng := <-s.booted:
		return closerFunc(func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return eng.Stop(ctx)
		}), nil
	}
}

func (s *gnetServer) OnBoot(eng gnet.Engine) gnet.Action {
	s.booted <- eng
	return gnet.None
}

func (s *gnetServer) OnTraffic(c gnet.Conn) gnet.Action {
	if s.mode == Echo {
		buf, _ := c.Next(-1)
		c.Write(buf)
		return gnet.None
	}
	in, _ := c.Peek(-1)
	resp := currentHello()
	// The batch of responses lives in the connection's context so that a
	// pipelined burst costs no allocation after the first.
	out, _ := c.Context().([][]byte)
	out = out[:0]
	consumed := 0
	for {
		n := requestEnd(in[consumed:])
		if n == 0 {
			break
		}
		consumed += n
		out = append(out, resp)
	}
	if len(out) > 0 {
		c.Writev(out)
		c.Discard(consumed)
	}
	c.SetContext(out)
	return gnet.None
}
