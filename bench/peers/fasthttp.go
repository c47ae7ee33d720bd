package peers

import (
	"io"
	"net"

	"github.com/valyala/fasthttp"
)

func init() {
	Register(Server{
		Name:  "fasthttp",
		Modes: []Mode{HTTP},
		Config: map[Mode]string{
			HTTP: "fasthttp.Server with default settings and a handler setting Content-Type and the body; GOMAXPROCS = loops",
		},
		Start: startFasthttp,
	})
}

func startFasthttp(opt Options) (io.Closer, error) {
	ln, err := net.Listen("tcp", opt.Addr)
	if err != nil {
		return nil, err
	}
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.WriteString(HelloBody)
	}}
	go srv.Serve(ln)
	return closerFunc(srv.Shutdown), nil
}
