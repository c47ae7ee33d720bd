// Package loadgen drives a stream (TCP) echo server and measures it: many
// connections, each with a number of messages in flight, every echoed byte
// checked, latencies in a log-linear histogram.
//
// Two modes:
//
//   - Closed loop (Config.Rate == 0): each connection keeps Config.Depth
//     messages in flight and sends a new one as soon as one comes back. This
//     finds the server's peak throughput; its latencies are those seen at
//     saturation.
//   - Open loop (Config.Rate > 0): messages are sent on a fixed schedule
//     whatever the server does, and each latency is measured from the time the
//     message was due to be sent, not from when it was actually sent. A server
//     that stalls therefore pays for every message it delayed, which avoids
//     the "coordinated omission" that makes closed-loop tail latencies look
//     better than users see.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Config describes one load run. Zero fields take the defaults shown.
type Config struct {
	Addr     string        // server address, host:port (required)
	Conns    int           // connections (default 100)
	Depth    int           // closed loop: messages in flight per connection (default 1)
	Size     int           // bytes per message (default 64)
	Duration time.Duration // measured time (default 10s)
	Warmup   time.Duration // load applied but not measured before Duration starts (default 0)
	Rate     float64       // open loop: messages per second over all connections; 0 = closed loop
	Loops    int           // closed loop: event loops (threads) sharing the connections (default GOMAXPROCS)
	Engine   string        // closed loop: "uring", "epoll", or "" for io_uring where the kernel allows it

	// Progress, when not nil, receives one line a second while the run lasts.
	Progress io.Writer
}

func (c *Config) setDefaults() error {
	if c.Addr == "" {
		return errors.New("loadgen: no address")
	}
	if c.Conns <= 0 {
		c.Conns = 100
	}
	if c.Depth <= 0 {
		c.Depth = 1
	}
	if c.Size <= 0 {
		c.Size = 64
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Loops <= 0 {
		c.Loops = runtime.GOMAXPROCS(0)
	}
	if c.Rate < 0 {
		return errors.New("loadgen: negative rate")
	}
	if c.Rate > 0 {
		c.Engine = "goroutines" // paced by timers, not saturation
		return nil
	}
	switch c.Engine {
	case "", "auto":
		c.Engine = "epoll"
		if uringUsable() == nil {
			c.Engine = "uring"
		}
	case "uring":
		if err := uringUsable(); err != nil {
			return fmt.Errorf("loadgen: io_uring unusable here: %w", err)
		}
	case "epoll":
	default:
		return fmt.Errorf("loadgen: unknown engine %q (want uring, epoll or auto)", c.Engine)
	}
	return nil
}

// Result is what a run measured over Config.Duration (the warm-up excluded).
type Result struct {
	Conns      int     `json:"conns"`
	Depth      int     `json:"depth"`
	Size       int     `json:"size"`
	Rate       float64 `json:"rate,omitempty"` // requested open-loop rate; 0 for closed loop
	Engine     string  `json:"engine"`         // closed loop: how the generator did its I/O (uring or epoll); open loop: goroutines
	Seconds    float64 `json:"seconds"`        // measured wall time
	Messages   uint64  `json:"messages"`       // echoes received and verified in the window
	MsgsPerSec float64 `json:"msgs_per_sec"`
	MBPerSec   float64 `json:"mb_per_sec"` // echoed payload, one direction, 10^6 bytes/s
	Errors     uint64  `json:"errors"`     // connections that failed (I/O error or wrong bytes)
	FirstError string  `json:"first_error,omitempty"`
	// ClientCPU is the CPU time this process used during the window divided by
	// the window: 1.0 means one core fully busy. If it is close to the number
	// of cores the generator may use, the generator, not the server, is the
	// bottleneck.
	ClientCPU float64 `json:"client_cpu"`
	Latency   Latency `json:"latency"`
}

// Latency summarises a histogram, in microseconds.
type Latency struct {
	P50  float64 `json:"p50_us"`
	P90  float64 `json:"p90_us"`
	P99  float64 `json:"p99_us"`
	P999 float64 `json:"p999_us"`
	Max  float64 `json:"max_us"`
	Mean float64 `json:"mean_us"`
}

func summarize(h *Histogram) Latency {
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	return Latency{
		P50: us(h.Percentile(50)), P90: us(h.Percentile(90)), P99: us(h.Percentile(99)),
		P999: us(h.Percentile(99.9)), Max: us(h.Max()), Mean: us(h.Mean()),
	}
}

// String formats r for people: throughput, then the latency percentiles.
func (r Result) String() string {
	mode := fmt.Sprintf("closed loop on %s, %d in flight/conn", r.Engine, r.Depth)
	if r.Rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f msg/s", r.Rate)
	}
	s := fmt.Sprintf("%d conns × %d B, %s, %.1fs measured\n", r.Conns, r.Size, mode, r.Seconds)
	s += fmt.Sprintf("throughput: %.0f msg/s, %.2f MB/s (%d messages verified, %d errors)\n",
		r.MsgsPerSec, r.MBPerSec, r.Messages, r.Errors)
	l := r.Latency
	s += fmt.Sprintf("latency µs: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  (mean %.1f)\n",
		l.P50, l.P90, l.P99, l.P999, l.Max, l.Mean)
	s += fmt.Sprintf("client CPU: %.0f%% of one core\n", r.ClientCPU*100)
	if r.FirstError != "" {
		s += "first error: " + r.FirstError + "\n"
	}
	return s
}

// run is the state shared by the connections of one Run.
type run struct {
	cfg          Config
	measureFrom  time.Time
	end          time.Time
	shards       [16]histShard
	msgsAll      atomic.Uint64 // every echo, warm-up included: for progress lines
	msgsMeasured atomic.Uint64
	errors       atomic.Uint64
	errOnce      sync.Once
	firstErr     error
}

// histShard spreads histogram updates over a few locks, so connections on
// different threads rarely contend; each connection takes its lock once per
// read, not once per message.
type histShard struct {
	mu sync.Mutex
	h  Histogram
	_  [64]byte
}

func (r *run) fail(err error) {
	r.errors.Add(1)
	r.errOnce.Do(func() { r.firstErr = err })
}

// drainTime is how long a connection waits, after the window ends, for the
// echoes still in flight; a server slower than that has failed.
const drainTime = 2 * time.Second

// Run applies the load described by cfg until the warm-up and the measured
// duration have passed or ctx is cancelled, and returns what it measured. It
// fails only if the connections cannot be opened; errors on open connections
// are counted in Result.Errors.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.setDefaults(); err != nil {
		return Result{}, err
	}
	var conns []net.Conn
	var clients []*client
	var err error
	if cfg.Rate > 0 {
		conns, err = dialAll(ctx, cfg.Addr, cfg.Conns)
	} else {
		clients, err = dialClients(cfg)
		defer closeClients(clients)
	}
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	r := &run{cfg: cfg, measureFrom: start.Add(cfg.Warmup)}
	r.end = r.measureFrom.Add(cfg.Duration)

	ctx, cancel := context.WithDeadline(ctx, r.end)
	defer cancel()
	stopProgress := r.startProgress(start)

	var cpuAtStart atomic.Int64 // CPU time used when the window opened
	cpuTimer := time.AfterFunc(cfg.Warmup, func() { cpuAtStart.Store(int64(cpuTime())) })

	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			defer c.Close()
			r.openLoop(ctx, c, i, start)
		})
	}
	loops := min(cfg.Loops, len(clients))
	for l := range loops {
		var mine []*client
		for i := l; i < len(clients); i += loops {
			mine = append(mine, clients[i])
		}
		if cfg.Engine == "uring" {
			wg.Go(func() { r.uringLoop(ctx, mine) })
		} else {
			wg.Go(func() { r.epollLoop(ctx, mine) })
		}
	}
	wg.Wait()
	stopProgress()
	var cpu float64       // cores busy from the opening of the window until now
	if !cpuTimer.Stop() { // the window opened
		cpu = (cpuTime() - time.Duration(cpuAtStart.Load())).Seconds() / time.Since(r.measureFrom).Seconds()
	}

	elapsed := min(time.Since(r.measureFrom), cfg.Duration)
	var h Histogram
	for i := range r.shards {
		h.Merge(&r.shards[i].h)
	}
	res := Result{
		Conns: cfg.Conns, Depth: cfg.Depth, Size: cfg.Size, Rate: cfg.Rate, Engine: cfg.Engine,
		Seconds:  elapsed.Seconds(),
		Messages: r.msgsMeasured.Load(),
		Errors:   r.errors.Load(),
		Latency:  summarize(&h),
	}
	if elapsed > 0 {
		res.MsgsPerSec = float64(res.Messages) / elapsed.Seconds()
		res.MBPerSec = res.MsgsPerSec * float64(cfg.Size) / 1e6
		res.ClientCPU = cpu
	}
	if r.firstErr != nil {
		res.FirstError = r.firstErr.Error()
	}
	return res, nil
}

// record counts the n messages that completed at now, each sent at the
// matching entry of sent.
func (r *run) record(connID int, now time.Time, sent []time.Time) {
	r.msgsAll.Add(uint64(len(sent)))
	if now.Before(r.measureFrom) || now.After(r.end) {
		return
	}
	r.msgsMeasured.Add(uint64(len(sent)))
	s := &r.shards[connID%len(r.shards)]
	s.mu.Lock()
	for _, t := range sent {
		s.h.Record(now.Sub(t))
	}
	s.mu.Unlock()
}

func dialAll(ctx context.Context, addr string, n int) ([]net.Conn, error) {
	var d net.Dialer
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			return nil, fmt.Errorf("loadgen: opening connection %d of %d: %w", len(conns)+1, n, err)
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// cpuTime returns the user plus system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
