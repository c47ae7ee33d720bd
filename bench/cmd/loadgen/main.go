// Command loadgen drives a TCP echo server and reports throughput and
// latency percentiles, checking every echoed byte.
//
//	go run ./cmd/loadgen -addr 127.0.0.1:7000 -c 100 -depth 16 -size 64 -d 10s -warmup 2s
//	go run ./cmd/loadgen -addr 127.0.0.1:7000 -c 100 -rate 50000 -d 10s   # open loop
//	go run ./cmd/loadgen -addr 127.0.0.1:7000 -idle 10000                 # hold idle connections
//
// It prints a progress line a second on standard error and the result on
// standard output (as JSON with -json). It exits with status 1 if any
// connection failed or any byte came back wrong.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/netloop/netloop/bench/loadgen"
)

func main() {
	var (
		cfg       loadgen.Config
		jsonOut   = flag.Bool("json", false, "print the result as JSON")
		quiet     = flag.Bool("q", false, "no progress lines")
		idle      = flag.Int("idle", 0, "open this many idle connections (one 1-byte echo each), print \"ready\", hold them for -d")
		sources   = flag.String("sources", "", "idle mode: comma-separated local IPs to spread connections over (e.g. 127.0.0.1,127.0.0.2)")
		perSource = flag.Int("per-source", 25000, "idle mode: connections per source IP")
	)
	flag.StringVar(&cfg.Addr, "addr", "127.0.0.1:7000", "server address")
	flag.IntVar(&cfg.Conns, "c", 100, "connections")
	flag.IntVar(&cfg.Depth, "depth", 1, "messages in flight per connection (closed loop)")
	flag.IntVar(&cfg.Size, "size", 64, "message size in bytes")
	flag.DurationVar(&cfg.Duration, "d", 10*time.Second, "measured duration")
	flag.DurationVar(&cfg.Warmup, "warmup", time.Second, "warm-up before measuring")
	flag.IntVar(&cfg.Loops, "loops", 0, "closed loop: event loops (threads) sharing the connections (0: GOMAXPROCS)")
	flag.StringVar(&cfg.Engine, "engine", "auto", "closed loop: uring, epoll, or auto (io_uring where the kernel allows it)")
	flag.Float64Var(&cfg.Rate, "rate", 0, "open loop: total messages per second (0: closed loop)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("loadgen: ")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *idle > 0 {
		holdIdle(ctx, cfg, *idle, *sources, *perSource)
		return
	}
	if !*quiet {
		cfg.Progress = os.Stderr
	}
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	if *jsonOut {
		json.NewEncoder(os.Stdout).Encode(res)
	} else {
		fmt.Print(res)
	}
	if res.Errors > 0 {
		os.Exit(1)
	}
}

func holdIdle(ctx context.Context, cfg loadgen.Config, n int, sources string, perSource int) {
	var srcs []string
	if sources != "" {
		srcs = strings.Split(sources, ",")
	}
	conns, err := loadgen.OpenIdle(ctx, cfg.Addr, n, srcs, perSource)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ready", len(conns))
	select {
	case <-ctx.Done():
	case <-time.After(cfg.Duration):
	}
	for _, c := range conns {
		c.Close()
	}
}
