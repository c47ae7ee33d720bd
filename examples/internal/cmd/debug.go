package cmd

import (
	"errors"
	"expvar"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"

	"go.uber.org/zap"

	"github.com/netloop/netloop"
)

// publishOnce guards expvar's one global name space: a process publishes
// the variable "netloop" once, for the first server it debugs.
var publishOnce sync.Once

// serveDebug serves /debug/vars (expvar, with the server's statistics as
// the variable "netloop") and /debug/pprof/ on addr, with the standard
// library's HTTP server on goroutines of its own, never on a loop. It
// returns the address it listens on and a function that stops it.
func serveDebug(addr string, srv netloop.Server, log *zap.Logger) (bound net.Addr, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	publishOnce.Do(func() {
		expvar.Publish("netloop", expvar.Func(func() any { return srv.Stats() }))
	})
	mux := http.NewServeMux()
	mux.Handle("/debug/vars", expvar.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux}
	go func() {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("debug server failed", zap.Error(err))
		}
	}()
	log.Info("debug server listening", zap.Stringer("addr", ln.Addr()))
	return ln.Addr(), func() { hs.Close() }, nil
}
