package prometheus_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/zap"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
	netloopprom "github.com/netloop/netloop/exporters/prometheus"
)

// TestScrape serves a live netloop server's metrics over HTTP, scrapes
// them, and parses the text with the official parser: HELP and TYPE for
// every family, netloop_ names, a series per loop, and figures that match
// what the clients did.
func TestScrape(t *testing.T) {
	srv, err := netloop.Listen("127.0.0.1:0", netloop.Config{Loops: 2, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	echo := conn.HandlerFuncs{Data: func(c conn.Conn, in []byte) int { c.Write(in); return len(in) }}
	go func() { done <- srv.Serve(ctx, echo) }()
	defer func() { cancel(); <-done }()

	reg := prometheus.NewRegistry()
	reg.MustRegister(netloopprom.New(srv, prometheus.Labels{"server": "echo"}))
	web := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer web.Close()

	const clients = 3
	for range clients {
		c, err := net.DialTimeout("tcp", srv.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "hello")
		if _, err := io.ReadFull(c, make([]byte, 5)); err != nil {
			t.Fatal(err)
		}
	}

	var families map[string]*dto.MetricFamily
	var text string
	deadline := time.Now().Add(10 * time.Second)
	for {
		text, families = scrape(t, web.URL)
		if sum(families["netloop_connections_open"]) == clients && sum(families["netloop_sent_bytes_total"]) == 5*clients {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed %d open connections and %d bytes sent:\n%s", clients, 5*clients, text)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for name, f := range families {
		if !strings.HasPrefix(name, "netloop_") {
			t.Errorf("metric %s is not named netloop_…", name)
		}
		if !strings.Contains(text, "# HELP "+name+" ") || !strings.Contains(text, "# TYPE "+name+" ") {
			t.Errorf("metric %s lacks HELP or TYPE", name)
		}
		loops := map[string]bool{}
		for _, m := range f.Metric {
			labels := map[string]string{}
			for _, l := range m.Label {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["engine"] != string(srv.Engine()) || labels["server"] != "echo" {
				t.Errorf("%s has labels %v", name, labels)
			}
			loops[labels["loop"]] = true
		}
		if !loops["0"] || !loops["1"] {
			t.Errorf("%s has series for loops %v, want 0 and 1", name, loops)
		}
	}
	for _, name := range []string{"netloop_connections_accepted_total", "netloop_connections_closed_total", "netloop_received_bytes_total"} {
		if families[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if got := sum(families["netloop_connections_accepted_total"]); got != clients {
		t.Errorf("netloop_connections_accepted_total = %v, want %d", got, clients)
	}
}

func scrape(t *testing.T, url string) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("the official parser rejects the scrape: %v\n%s", err, body)
	}
	return string(body), families
}

// sum adds up a family's values over its series.
func sum(f *dto.MetricFamily) float64 {
	if f == nil {
		return 0
	}
	var s float64
	for _, m := range f.Metric {
		s += m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	return s
}
