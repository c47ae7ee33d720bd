package prometheus_test

import (
	"context"
	"log"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
	netloopprom "github.com/netloop/netloop/exporters/prometheus"
)

// Register a server's collector and serve /metrics beside it.
func Example() {
	srv, err := netloop.Listen("127.0.0.1:0", netloop.Config{})
	if err != nil {
		log.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(netloopprom.New(srv, prometheus.Labels{"server": "echo"}))
	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	go http.ListenAndServe("127.0.0.1:9090", nil)

	echo := conn.HandlerFuncs{Data: func(c conn.Conn, in []byte) int { c.Write(in); return len(in) }}
	srv.Serve(context.Background(), echo)
}
