// Command echo-metrics is an echo server on 127.0.0.1:9000 that exports its
// statistics to Prometheus on 127.0.0.1:9090/metrics.
//
//	cd exporters/prometheus && go run ./cmd/echo-metrics
//	curl -s 127.0.0.1:9090/metrics | grep ^netloop_
//
// The metrics are served by the standard library's HTTP server on its own
// goroutines, never on a loop. SIGINT or SIGTERM stop both.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
	netloopprom "github.com/netloop/netloop/exporters/prometheus"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "echo server address")
	metrics := flag.String("metrics-addr", "127.0.0.1:9090", "address of /metrics")
	var engine netloop.Engine
	flag.Var(&engine, "engine", "reactor, proactor or auto")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := netloop.Listen(*addr, netloop.Config{Engine: engine})
	if err != nil {
		log.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(netloopprom.New(srv, nil))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	web := &http.Server{Addr: *metrics, Handler: mux}
	go func() {
		if err := web.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	defer web.Close()
	log.Printf("echo on %s (%s), metrics on http://%s/metrics", srv.Addr(), srv.Engine(), *metrics)
	echo := conn.HandlerFuncs{Data: func(c conn.Conn, in []byte) int { c.Write(in); return len(in) }}
	if err := srv.Serve(ctx, echo); err != nil {
		log.Fatal(err)
	}
}
