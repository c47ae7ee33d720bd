package peers

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
)

func init() {
	logging.SetLevel(logging.LevelNone) // its per-start info lines would clutter the matrix output
	Register(Server{
		Name:  "nbio",
		Modes: []Mode{Echo, HTTP},
		Config: map[Mode]string{
			Echo: "nbio Engine: NPoller = loops, other fields default (level-triggered epoll, 64 KiB read buffer); OnData writes the data back",
			HTTP: "nbio nbhttp.Engine: NPoller = loops, other fields default (its default handler executor); an http.HandlerFunc writing the body",
		},
		Start: startNbio,
	})
}

func startNbio(opt Options) (io.Closer, error) {
	if opt.Mode == HTTP {
		eng := nbhttp.NewEngine(nbhttp.Config{
			Network: "tcp",
			Addrs:   []string{opt.Addr},
			NPoller: opt.Loops,
			Handler: http.HandlerFunc(writeHello),
		})
		if err := eng.Start(); err != nil {
			return nil, err
		}
		return closerFunc(func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return eng.Shutdown(ctx)
		}), nil
	}
	eng := nbio.NewEngine(nbio.Config{
		Network: "tcp",
		Addrs:   []string{opt.Addr},
		NPoller: opt.Loops,
	})
	eng.OnData(func(c *nbio.Conn, data []byte) { c.Write(data) })
	if err := eng.Start(); err != nil {
		return nil, err
	}
	return closerFunc(func() error { eng.Stop(); return nil }), nil
}
