// Command matrix runs the benchmark matrix — every scenario against netloop
// on both engines and every peer — and writes the results under results/.
//
//	cd bench && go run ./cmd/matrix                 # the full run (about 15 minutes)
//	cd bench && go run ./cmd/matrix -quick          # a smoke run (about 3 minutes), numbers not meaningful
//	cd bench && go run ./cmd/matrix -only echo-100c -servers gnet,netloop-reactor -repeat 5
//
// Servers run pinned to -server-cpu and the load to -load-cpu. Each
// repetition runs every server once, in a rotated order, and the report
// gives the median. A progress line is printed per cell; everything the
// servers and load generators print goes to raw.log beside the results.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/netloop/netloop/bench/matrix"
	_ "github.com/netloop/netloop/bench/netloopsrv"
	"github.com/netloop/netloop/bench/peers"
)

func main() {
	var (
		quick        = flag.Bool("quick", false, "smoke run: 1s cells, no repetition, 1,000 idle connections; the numbers are not meaningful")
		repeat       = flag.Int("repeat", 3, "repetitions of each cell (the median is reported)")
		stealRetries = flag.Int("steal-retries", 2, "measure a run again, up to this many times, while the hypervisor stole 5 % or more of the machine's CPU time during it; the try with the least steal is kept")
		duration     = flag.Duration("duration", 5*time.Second, "measured time per cell")
		warmup       = flag.Duration("warmup", time.Second, "warm-up per cell")
		only         = flag.String("only", "", "comma-separated words; run only scenarios whose name contains one")
		servers      = flag.String("servers", "", "comma-separated servers to run (default: all that implement each scenario)")
		serverCPU    = flag.Int("server-cpu", 1, "CPU the servers are pinned to (-1: no pinning)")
		loadCPU      = flag.Int("load-cpu", 0, "CPU the load generators are pinned to (-1: no pinning)")
		loops        = flag.Int("loops", 1, "event loops and GOMAXPROCS of every server")
		out          = flag.String("out", "", "results directory (default results/<date>-<host>[-quick])")
		readme       = flag.Bool("readme", false, "also rewrite the headline table in README.md")
		loadEng      = flag.String("load-engine", "auto", "how cmd/loadgen does its I/O: uring, epoll or auto (uring where the kernel allows it)")
		noLimits     = flag.Bool("no-limits", false, "do not build and run the C reference servers (limit-epoll, limit-uring)")
		profile      = flag.String("profile", "losses", "after the matrix, profile (perf record) netloop's best engine and the best peer: in scenarios netloop lost (losses), in all (all), or none")
	)
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("matrix: ")

	scenarios := matrix.Filter(matrix.Scenarios(), *only)
	if *quick {
		*repeat, *duration, *warmup, *stealRetries = 1, time.Second, 500*time.Millisecond, 0
		for i := range scenarios {
			if scenarios[i].Kind == matrix.Idle {
				scenarios[i].Conns /= 10
				scenarios[i].Name = strings.Replace(scenarios[i].Name, "0k", "k", 1)
			}
		}
	}
	host, _ := os.Hostname()
	date := time.Now().UTC()
	if *out == "" {
		*out = filepath.Join("results", date.Format("2006-01-02")+"-"+host)
		if *quick {
			*out += "-quick"
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	bin, err := os.MkdirTemp("", "netloop-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(bin)
	fmt.Println("building cmd/server, cmd/loadgen and examples/httplite …")
	build := exec.Command("go", "build", "-o", bin, "./cmd/server", "./cmd/loadgen", "github.com/netloop/netloop/examples/httplite")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		log.Fatalf("build: %v (run from the bench directory)", err)
	}
	limits := map[string]string{}
	if !*noLimits {
		limits = buildLimits(bin)
	}
	rawLog, err := os.Create(filepath.Join(*out, "raw.log"))
	if err != nil {
		log.Fatal(err)
	}
	defer rawLog.Close()

	chosen := map[peers.Mode][]string{}
	for _, m := range []peers.Mode{peers.Echo, peers.HTTP} {
		names := peers.Names(m)
		if m == peers.HTTP { // netloop's HTTP server is examples/httplite, run as a binary
			names = append(names, "netloop-reactor", "netloop-proactor", "netloop-goroutine")
		}
		for name := range limits {
			if slices.Contains(matrix.LimitSources[name].Modes, m) {
				names = append(names, name)
			}
		}
		for _, name := range orderServers(names) {
			if *servers == "" || contains(strings.Split(*servers, ","), name) {
				chosen[m] = append(chosen[m], name)
			}
		}
	}
	_, wrkErr := exec.LookPath("wrk")
	_, tasksetErr := exec.LookPath("taskset")
	if tasksetErr != nil {
		log.Printf("taskset not found: running unpinned")
		*serverCPU, *loadCPU = -1, -1
	}
	opt := matrix.Options{
		ServerBin:  filepath.Join(bin, "server"),
		HTTPLite:   filepath.Join(bin, "httplite"),
		LoadgenBin: filepath.Join(bin, "loadgen"),
		LoadEngine: *loadEng, Limits: limits,
		WrkScript: "scripts/http.lua",
		Wrk:       wrkErr == nil,
		Perf:      exec.Command("perf", "stat", "-e", "raw_syscalls:sys_enter", "true").Run() == nil,
		ServerCPU: *serverCPU, LoadCPU: *loadCPU, Loops: *loops,
		Duration: *duration, Warmup: *warmup, Repeat: *repeat, StealRetries: *stealRetries,
		Scenarios: scenarios, Servers: chosen,
		MaxFiles: matrix.OpenFileLimit(),
		Log:      rawLog, Progress: os.Stdout,
	}
	if !opt.Wrk {
		log.Printf("wrk not found (apt-get install -y wrk): HTTP cells will be skipped")
	}
	if !opt.Perf {
		log.Printf("perf cannot count system calls here: that column stays empty")
	}
	pinning := fmt.Sprintf("servers pinned to CPU %d, load to CPU %d", *serverCPU, *loadCPU)
	if *serverCPU < 0 || *loadCPU < 0 {
		pinning = "servers and load unpinned (the bound-by column assumes one core each)"
	}
	settings := fmt.Sprintf("%s, %d loop(s) and GOMAXPROCS=%d per server; each cell %v warm-up + %v measured, median of %d run(s), servers interleaved in rotated order; echo load from cmd/loadgen -engine %s (auto: io_uring where the kernel allows it, else epoll; see load_engine in cells.json), HTTP load from wrk -t1; scenarios named -2loops run unpinned with 2 loops and GOMAXPROCS=2",
		pinning, *loops, *loops, *warmup, *duration, *repeat, *loadEng)
	fmt.Fprintf(rawLog, "settings: %s\nargs: %q\n", settings, os.Args)
	fmt.Println(settings)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	started := time.Now()
	cells := matrix.Run(ctx, opt)
	fmt.Printf("%d cells in %v\n", len(cells), time.Since(started).Round(time.Second))

	meta := matrix.Meta{
		Date: date, Machine: machine(), Go: runtime.Version(),
		Command:  "cd bench && go run ./cmd/matrix " + strings.Join(os.Args[1:], " "),
		Settings: settings,
	}
	if *quick {
		meta.Note = "SMOKE RUN (-quick): 1-second cells, one repetition, on a shared machine. It proves the pipeline works; its numbers are not a benchmark."
	}
	results := matrix.Summarize(scenarios, func(s matrix.Scenario) []string { return chosen[s.Mode()] }, cells)
	ratios := matrix.Ratios(results)

	var profiles []matrix.Profile
	if *profile != "none" && opt.Perf {
		profiles = matrix.Profiles(ctx, opt, ratios, *profile == "all", *out)
	}

	var md bytes.Buffer
	matrix.WriteMarkdown(&md, meta, results, ratios)
	matrix.WriteProfiles(&md, profiles)
	var svg bytes.Buffer
	title := "netloop vs peers, " + date.Format("2006-01-02") + ", " + host
	if *quick {
		title += " (smoke run: not meaningful)"
	}
	matrix.WriteSVG(&svg, title, results)
	js, _ := json.MarshalIndent(cells, "", "  ")
	for name, data := range map[string][]byte{"results.md": md.Bytes(), "chart.svg": svg.Bytes(), "cells.json": js} {
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("\n")
	matrix.WriteHeadline(os.Stdout, ratios)
	fmt.Printf("\nwrote %s/{results.md,chart.svg,cells.json,raw.log}\n", *out)
	if *readme {
		var body bytes.Buffer
		fmt.Fprintf(&body, "Measured %s on %s (%s). Full report: [%s](%s/results.md).\n\n",
			date.Format("2006-01-02"), machine(), settings, *out, *out)
		if meta.Note != "" {
			fmt.Fprintf(&body, "> **%s**\n\n", meta.Note)
		}
		fmt.Fprintf(&body, "![chart](%s/chart.svg)\n\n", *out)
		matrix.WriteHeadline(&body, ratios)
		fmt.Fprintf(&body, "\nReproduce: `%s`\n", meta.Command)
		if err := matrix.UpdateReadme("README.md", body.Bytes()); err != nil {
			log.Fatal(err)
		}
	}
}

// buildLimits compiles the C reference servers into dir with gcc and
// returns those that built; one that does not (no gcc, no liburing-dev) is
// left out, saying why.
func buildLimits(dir string) map[string]string {
	out := map[string]string{}
	if _, err := exec.LookPath("gcc"); err != nil {
		log.Printf("gcc not found: no limit-epoll or limit-uring rows")
		return out
	}
	for _, name := range []string{"limit-epoll", "limit-uring"} {
		src := matrix.LimitSources[name]
		exe := filepath.Join(dir, name)
		args := append([]string{"-O2", "-o", exe, src.File}, src.Libs...)
		if msg, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			log.Printf("%s not built (for limit-uring: apt-get install -y liburing-dev): %v\n%s", name, err, msg)
			continue
		}
		out[name] = exe
	}
	return out
}

// orderServers puts netloop's engines first (reactor, proactor, then the
// goroutine engine), then the peers in name order.
func orderServers(names []string) []string {
	var out []string
	for _, ours := range []string{"netloop-reactor", "netloop-proactor", "netloop-goroutine"} {
		if contains(names, ours) {
			out = append(out, ours)
		}
	}
	for _, n := range names {
		if !matrix.IsNetloop(n) {
			out = append(out, n)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

// machine describes the CPU, CPU count and kernel.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	var u syscall.Utsname
	kernel := "?"
	if syscall.Uname(&u) == nil {
		var b []byte
		for _, c := range u.Release {
			if c == 0 {
				break
			}
			b = append(b, byte(c))
		}
		kernel = string(b)
	}
	return fmt.Sprintf("%s, %d CPUs, Linux %s", model, runtime.NumCPU(), kernel)
}
