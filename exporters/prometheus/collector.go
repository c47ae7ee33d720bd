// Package prometheus exports a netloop server's statistics to Prometheus:
// New returns a prometheus.Collector that reads Server.Stats at each
// scrape, so it costs the loops nothing between scrapes and never touches
// a loop.
//
// Every metric is named netloop_… and carries the labels engine and loop;
// connections closed are split by a cause label as well.
//
// It is a module of its own so that netloop's own go.mod keeps to x/sys,
// zap and bytebufferpool: only programs that export to Prometheus depend on
// its client library.
package prometheus

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// metric is one exported figure: how to read it from a loop's counters.
type metric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(*conn.LoopStats) float64
}

// Collector collects one server's statistics. Register it with a
// prometheus.Registerer.
type Collector struct {
	srv     netloop.Server
	metrics []metric
	closed  *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// New returns a collector for srv. constLabels, if not nil, are added to
// every metric, to tell several servers of one process apart (for example
// {"server": "http"}).
func New(srv netloop.Server, constLabels prometheus.Labels) *Collector {
	labels := []string{"engine", "loop"}
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("netloop_"+name, help, labels, constLabels)
	}
	c := &Collector{srv: srv}
	gauge := func(name, help string, v func(*conn.LoopStats) float64) {
		c.metrics = append(c.metrics, metric{desc(name, help), prometheus.GaugeValue, v})
	}
	counter := func(name, help string, v func(*conn.LoopStats) uint64) {
		c.metrics = append(c.metrics, metric{desc(name, help), prometheus.CounterValue,
			func(s *conn.LoopStats) float64 { return float64(v(s)) }})
	}
	gauge("connections_open", "Connections open now.", func(s *conn.LoopStats) float64 { return float64(s.Open) })
	gauge("connections_paused", "Connections whose reading is paused by the write high-water mark.",
		func(s *conn.LoopStats) float64 { return float64(s.Paused) })
	counter("connections_accepted_total", "Connections accepted.", func(s *conn.LoopStats) uint64 { return s.Accepted })
	counter("received_bytes_total", "Bytes received and shown to handlers.", func(s *conn.LoopStats) uint64 { return s.BytesIn })
	counter("sent_bytes_total", "Bytes handed to the kernel.", func(s *conn.LoopStats) uint64 { return s.BytesOut })
	counter("reads_total", "Read system calls or receive completions.", func(s *conn.LoopStats) uint64 { return s.Reads })
	counter("writes_total", "Write system calls or send submissions.", func(s *conn.LoopStats) uint64 { return s.Writes })
	counter("wakeups_total", "Times a loop woke from a blocking wait.", func(s *conn.LoopStats) uint64 { return s.Wakeups })
	counter("requests_total", "AsyncWrite, Wake and Close calls from other goroutines carried out.",
		func(s *conn.LoopStats) uint64 { return s.Requests })
	counter("accept_errors_total", "Accepts that failed.", func(s *conn.LoopStats) uint64 { return s.AcceptErrors })
	counter("accept_backoffs_total", "Times accepting paused after running out of descriptors or memory.",
		func(s *conn.LoopStats) uint64 { return s.AcceptBackoffs })
	counter("buffer_shortages_total", "Receives that found no free provided buffer (io_uring ENOBUFS).",
		func(s *conn.LoopStats) uint64 { return s.BufferShortages })
	c.closed = prometheus.NewDesc("netloop_connections_closed_total", "Connections closed, by cause.",
		append(labels, "cause"), constLabels)
	return c
}

// Describe sends the descriptors of every metric.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.metrics {
		ch <- m.desc
	}
	ch <- c.closed
}

// Collect reads one snapshot of the server's statistics and sends every
// metric of every loop.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.srv.Stats()
	engine := st.Engine.String()
	for i := range st.Loops {
		l := &st.Loops[i]
		loop := strconv.Itoa(l.Loop)
		for _, m := range c.metrics {
			ch <- prometheus.MustNewConstMetric(m.desc, m.kind, m.value(l), engine, loop)
		}
		for _, cause := range causes(&l.Closed) {
			ch <- prometheus.MustNewConstMetric(c.closed, prometheus.CounterValue, float64(cause.n), engine, loop, cause.name)
		}
	}
}

// causes lists the close counters with the label value of each.
func causes(c *conn.CloseCounts) []struct {
	name string
	n    uint64
} {
	return []struct {
		name string
		n    uint64
	}{
		{"peer_eof", c.PeerEOF}, {"local", c.Local}, {"reset", c.Reset}, {"timeout", c.Timeout},
		{"input_too_large", c.InputTooLarge}, {"handler_panic", c.HandlerPanic},
		{"server_closed", c.ServerClosed}, {"other", c.Other},
	}
}
