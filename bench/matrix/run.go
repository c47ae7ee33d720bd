package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/netloop/netloop/bench/loadgen"
	"github.com/netloop/netloop/bench/peers"
)

// Options configure a matrix run.
type Options struct {
	ServerBin  string // cmd/server binary
	HTTPLite   string // examples/httplite binary: netloop's HTTP server
	LoadgenBin string // cmd/loadgen binary
	LoadEngine string // cmd/loadgen's -engine: uring, epoll or auto
	// Limits maps each C reference server (limit-epoll, limit-uring) that
	// was built to its binary; see bench/limits.
	Limits    map[string]string
	WrkScript string // scripts/http.lua
	Wrk       bool   // wrk is installed; without it HTTP cells fail with a note
	Perf      bool   // perf can count system calls
	ServerCPU int    // CPU the servers are pinned to; negative: unpinned
	LoadCPU   int    // CPU the load runs on; negative: unpinned
	Loops     int    // event loops (and GOMAXPROCS) of every server
	Duration  time.Duration
	Warmup    time.Duration
	Repeat    int
	// StealRetries is how many more times a run is measured when the
	// hypervisor stole NoisySteal or more of the machine's CPU time
	// during it; the try with the least steal is kept.
	StealRetries int
	Scenarios    []Scenario
	Servers      map[peers.Mode][]string
	MaxFiles     uint64 // the open-file limit; idle scenarios above it are skipped

	Log      io.Writer // raw output of everything that runs
	Progress io.Writer // one line per cell

	// Set by Profiles: record a CPU profile during the window and
	// store perf report's output here.
	profileOut *string
}

// Run runs every cell — each scenario, Repeat times, every server, the
// servers interleaved within each repetition and their order rotated
// between repetitions so slow drift in the machine spreads over all of
// them — and returns the cells in the order they ran.
func Run(ctx context.Context, o Options) []Cell {
	log := &syncWriter{w: o.Log}
	total := 0
	for _, s := range o.Scenarios {
		total += o.repeats(s) * len(o.Servers[s.Mode()])
	}
	var cells []Cell
	start := time.Now()
	for _, s := range o.Scenarios {
		servers := o.Servers[s.Mode()]
		for rep := range o.repeats(s) {
			for i := range servers {
				if ctx.Err() != nil {
					return cells
				}
				server := servers[(i+rep)%len(servers)]
				fmt.Fprintf(log, "\n=== %s rep %d server %s (%s)\n", s.Name, rep+1, server, time.Now().UTC().Format(time.RFC3339))
				t0 := time.Now()
				c := o.cellWithLittleSteal(ctx, s, server, log)
				c.Rep = rep + 1
				cells = append(cells, c)
				b, _ := json.Marshal(c)
				fmt.Fprintf(log, "CELL %s\n", b)
				done := len(cells)
				eta := time.Duration(float64(time.Since(start)) / float64(done) * float64(total-done)).Round(time.Second)
				fmt.Fprintf(o.Progress, "[%3d/%d] %-18s rep %d/%d  %-17s %s  (%.1fs, ETA %v)\n",
					done, total, s.Name, rep+1, o.repeats(s), server, c.summary(s), time.Since(t0).Seconds(), eta)
			}
		}
	}
	return cells
}

// cellWithLittleSteal runs a cell, and again while the hypervisor took
// too much of the machine's CPU time during it (see leastStolen).
func (o Options) cellWithLittleSteal(ctx context.Context, s Scenario, server string, log io.Writer) Cell {
	return leastStolen(o.cell(ctx, s, server, log), o.StealRetries, func() (Cell, bool) {
		if ctx.Err() != nil {
			return Cell{}, false
		}
		fmt.Fprintf(log, "steal: measuring %s %s again\n", s.Name, server)
		return o.cell(ctx, s, server, log), true
	})
}

// leastStolen measures again, up to retries times, while the hypervisor
// stole NoisySteal or more of the machine's CPU time during the run c
// kept so far: such a run measured the host's other guests as much as the
// server. It keeps the try with the least steal and counts the others in
// its Retries. again returns false when there is no time left to try.
func leastStolen(c Cell, retries int, again func() (Cell, bool)) Cell {
	for try := 0; try < retries && c.Err == "" && c.Steal >= NoisySteal; try++ {
		next, ok := again()
		if !ok {
			break
		}
		if next.Err == "" && next.Steal < c.Steal {
			next.Retries = c.Retries
			c = next
		}
		c.Retries++
	}
	return c
}

// repeats is how many times scenario s runs. Idle memory repeats too: the
// resident size a server starts with, and when its collector last ran,
// move the figure by about 100 bytes per connection between runs.
func (o Options) repeats(s Scenario) int {
	return max(o.Repeat, 1)
}

func (c Cell) summary(s Scenario) string {
	if c.Err != "" {
		return "FAILED: " + c.Err
	}
	if s.Kind == Idle {
		return fmt.Sprintf("%8.0f bytes/conn (RSS %d → %d KiB)", c.BytesPerConn, c.RSSBefore>>10, c.RSSAfter>>10)
	}
	line := fmt.Sprintf("%10.0f %s  p99 %7s µs  server CPU %.2f  load CPU %.2f", c.Throughput, s.Unit(), micros(c.P99), c.ServerCPU, c.LoadCPU)
	if c.Steal >= NoisySteal {
		line += fmt.Sprintf("  steal %.0f %%", 100*c.Steal)
	}
	return line
}

// cell starts server, applies scenario s to it, and stops it.
func (o Options) cell(ctx context.Context, s Scenario, server string, log io.Writer) Cell {
	c := Cell{Scenario: s.Name, Server: server}
	if s.Kind == Idle && uint64(s.Conns)+1000 > o.MaxFiles {
		c.Err = fmt.Sprintf("skipped: needs %d open files, the limit is %d", s.Conns+1000, o.MaxFiles)
		return c
	}
	if s.Kind == Wrk && !o.Wrk {
		c.Err = "skipped: wrk not installed"
		return c
	}
	addr, err := peers.FreeAddr()
	if err != nil {
		c.Err = err.Error()
		return c
	}
	o = o.forScenario(s)
	cmd := o.serverCommand(server, s.Mode(), addr)
	fmt.Fprintf(log, "$ %s\n", strings.Join(cmd.Args, " "))
	srv, _, err := startWaitLine(cmd, log, "", 0)
	if err != nil {
		c.Err = "start: " + err.Error()
		return c
	}
	if err := peers.WaitListening(addr, 15*time.Second); err != nil {
		srv.stop()
		c.Err = "start: " + err.Error()
		return c
	}
	// No numbers from a server that answers wrongly.
	if err := peers.Verify(addr, s.Mode()); err != nil {
		srv.stop()
		c.Err = "wrong answers: " + err.Error()
		return c
	}
	defer srv.stop()
	switch s.Kind {
	case Load:
		err = o.runLoad(ctx, s, addr, o.watch(srv, server, s), &c, log)
	case Wrk:
		err = o.runWrk(ctx, s, addr, o.watch(srv, server, s), &c, log)
	case Idle:
		err = o.runIdle(s, addr, srv.pid(), &c, log)
	}
	if err != nil {
		c.Err = err.Error()
	}
	return c
}

// forScenario applies the scenario's own loops and pinning.
func (o Options) forScenario(s Scenario) Options {
	if s.Loops > 0 {
		o.Loops = s.Loops
	}
	if s.Unpinned {
		o.ServerCPU, o.LoadCPU = -1, -1
	}
	return o
}

// serverCommand returns the command that runs server in mode on addr,
// pinned to the server CPU: netloop's HTTP server is examples/httplite,
// everything else is cmd/server.
func (o Options) serverCommand(server string, mode peers.Mode, addr string) *exec.Cmd {
	loops := strconv.Itoa(o.Loops)
	var cmd *exec.Cmd
	if bin, ok := o.Limits[server]; ok { // single-threaded C: -loops does not apply
		cmd = pinned(o.ServerCPU, bin, addr, string(mode))
	} else if IsNetloop(server) && mode == peers.HTTP {
		cmd = pinned(o.ServerCPU, o.HTTPLite, "-addr", addr, "-engine", strings.TrimPrefix(server, "netloop-"),
			"-loops", loops, "-log-level", "warn")
	} else {
		cmd = pinned(o.ServerCPU, o.ServerBin, "-server", server, "-mode", string(mode), "-addr", addr, "-loops", loops)
	}
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+loops)
	return cmd
}

// HTTPLiteConfig says how netloop's HTTP server runs in the matrix.
const HTTPLiteConfig = "examples/httplite (netloop with codec/http1: full request parsing, keep-alive, pipelining, timeouts) run as its own binary with -engine <engine> -loops <loops> -log-level warn; GOMAXPROCS = loops"

// target is the server process a window watches.
type target struct {
	proc *process
	// allocs says whether it reports its heap allocations (cmd/server
	// does; examples/httplite does not).
	allocs bool
}

func (o Options) watch(p *process, server string, s Scenario) target {
	return target{proc: p, allocs: !IsLimit(server) && !(IsNetloop(server) && s.Mode() == peers.HTTP)}
}

// window measures the server's CPU time, system calls and allocations while
// the load is being measured: it starts after delay and ends at close.
type window struct {
	o        Options
	t        target
	start    time.Time
	cpu0     time.Duration
	ticks0   int64 // machineTicks at the start
	steal0   int64
	objects0 uint64
	bytes0   uint64
	allocErr error
	syscalls chan int64
	profile  chan string // perf report output, when profiling
	ready    chan struct{}
}

func (o Options) openWindow(t target, delay, length time.Duration) *window {
	w := &window{o: o, t: t, syscalls: make(chan int64, 1), profile: make(chan string, 1), ready: make(chan struct{})}
	pid := t.proc.pid()
	go func() {
		time.Sleep(delay) // the load generator's warm-up runs meanwhile
		w.start = time.Now()
		w.cpu0, _ = cpuTimeOf(pid)
		w.ticks0, w.steal0, _ = machineTicks()
		if t.allocs {
			w.objects0, w.bytes0, w.allocErr = t.proc.allocations()
		}
		close(w.ready)
		if o.profileOut != nil {
			go func() {
				report, err := recordProfile(o.LoadCPU, pid, length)
				if err != nil {
					report = "profile failed: " + err.Error() + "\n"
				}
				w.profile <- report
			}()
		}
		if !o.Perf {
			w.syscalls <- -1
			return
		}
		n, err := countSyscalls(o.LoadCPU, pid, length)
		if err != nil {
			n = -1
		}
		w.syscalls <- n
	}()
	return w
}

// close ends the window and fills in c's server-side figures, given the
// requests per second the load measured.
func (w *window) close(c *Cell, perSec float64, length time.Duration) {
	<-w.ready
	cpu1, _ := cpuTimeOf(w.t.proc.pid())
	if ticks1, steal1, err := machineTicks(); err == nil && ticks1 > w.ticks0 && w.ticks0 > 0 {
		c.Steal = float64(steal1-w.steal0) / float64(ticks1-w.ticks0)
	}
	var objects1, bytes1 uint64
	allocErr := w.allocErr
	if w.t.allocs && allocErr == nil {
		objects1, bytes1, allocErr = w.t.proc.allocations()
	}
	wall := time.Since(w.start)
	c.ServerCPU = (cpu1 - w.cpu0).Seconds() / wall.Seconds()
	if w.o.profileOut != nil {
		*w.o.profileOut = <-w.profile
	}
	c.AllocsPerReq, c.AllocBytesPerReq = -1, -1
	if perSec <= 0 {
		return
	}
	reqs := perSec * wall.Seconds()
	c.CPUPerReq = float64((cpu1 - w.cpu0).Microseconds()) / reqs
	if w.t.allocs && allocErr == nil {
		c.AllocsPerReq = float64(objects1-w.objects0) / reqs
		c.AllocBytesPerReq = float64(bytes1-w.bytes0) / reqs
	}
	if n := <-w.syscalls; n >= 0 {
		c.SyscallsPerReq = float64(n) / (perSec * length.Seconds())
	}
}

func (o Options) runLoad(ctx context.Context, s Scenario, addr string, t target, c *Cell, log io.Writer) error {
	cmd := pinned(o.LoadCPU, o.LoadgenBin, "-json", "-q", "-addr", addr,
		"-c", strconv.Itoa(s.Conns), "-depth", strconv.Itoa(s.Depth), "-size", strconv.Itoa(s.Size),
		"-d", o.Duration.String(), "-warmup", o.Warmup.String())
	if o.LoadEngine != "" {
		cmd.Args = append(cmd.Args, "-engine", o.LoadEngine)
	}
	fmt.Fprintf(log, "$ %s\n", strings.Join(cmd.Args, " "))
	cmd.Stderr = log
	w := o.openWindow(t, o.Warmup, o.Duration-100*time.Millisecond)
	out, err := cmd.Output()
	fmt.Fprintf(log, "%s", out)
	var res loadgen.Result
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		if err == nil {
			err = jerr
		}
		return fmt.Errorf("loadgen: %v", err)
	}
	w.close(c, res.MsgsPerSec, o.Duration-100*time.Millisecond)
	c.Throughput, c.MBPerSec = res.MsgsPerSec, res.MBPerSec
	l := res.Latency
	c.P50, c.P90, c.P99, c.P999, c.Max = l.P50, l.P90, l.P99, l.P999, l.Max
	c.LoadCPU, c.LoadEngine = res.ClientCPU, res.Engine
	if res.Errors > 0 {
		return fmt.Errorf("%d connections failed: %s", res.Errors, res.FirstError)
	}
	return nil
}

// wrkSeconds rounds d up to whole seconds, the unit wrk takes.
func wrkSeconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }

func (o Options) runWrk(ctx context.Context, s Scenario, addr string, t target, c *Cell, log io.Writer) error {
	run := func(d time.Duration) (wrkResult, float64, error) {
		secs := wrkSeconds(d)
		cmd := pinned(o.LoadCPU, "wrk", "-t1", "-c"+strconv.Itoa(s.Conns), "-d"+strconv.Itoa(secs)+"s",
			"-s", o.WrkScript, "http://"+addr+"/")
		cmd.Env = append(cmd.Environ(), "WRK_PIPELINE="+strconv.Itoa(s.Depth))
		fmt.Fprintf(log, "$ WRK_PIPELINE=%d %s\n", s.Depth, strings.Join(cmd.Args, " "))
		cmd.Stderr = log
		out, err := cmd.Output()
		fmt.Fprintf(log, "%s", out)
		if err != nil {
			return wrkResult{}, 0, fmt.Errorf("wrk: %v", err)
		}
		r, err := parseWrk(string(out))
		if err != nil {
			return r, 0, err
		}
		st := cmd.ProcessState
		loadCPU := (st.UserTime() + st.SystemTime()).Seconds() / float64(secs)
		return r, loadCPU, nil
	}
	if o.Warmup > 0 {
		if _, _, err := run(o.Warmup); err != nil {
			return err
		}
	}
	length := time.Duration(wrkSeconds(o.Duration)) * time.Second
	w := o.openWindow(t, 0, length-100*time.Millisecond)
	r, loadCPU, err := run(o.Duration)
	if err != nil {
		return err
	}
	w.close(c, r.perSec(), length-100*time.Millisecond)
	c.Throughput = r.perSec()
	c.MBPerSec = float64(r.Bytes) / 1e6 / (float64(r.DurationUS) / 1e6)
	c.P50, c.P90, c.P99, c.P999, c.Max = r.P50, r.P90, r.P99, r.P999, r.Max
	c.LoadCPU = loadCPU
	if n := r.Errors.total(); n > 0 {
		return fmt.Errorf("wrk counted %d errors: %+v", n, r.Errors)
	}
	return nil
}

func (o Options) runIdle(s Scenario, addr string, pid int, c *Cell, log io.Writer) error {
	before, err := rssOf(pid)
	if err != nil {
		return err
	}
	// At most 25,000 connections per source address keeps within the
	// ephemeral port range of each.
	const perSource = 25000
	var sources []string
	for i := 0; i*perSource < s.Conns; i++ {
		sources = append(sources, fmt.Sprintf("127.0.0.%d", i+1))
	}
	cmd := pinned(o.LoadCPU, o.LoadgenBin, "-addr", addr, "-idle", strconv.Itoa(s.Conns),
		"-sources", strings.Join(sources, ","), "-per-source", strconv.Itoa(perSource), "-d", "10m")
	fmt.Fprintf(log, "$ %s\n", strings.Join(cmd.Args, " "))
	load, _, err := startWaitLine(cmd, log, "ready", 3*time.Minute)
	if err != nil {
		return fmt.Errorf("idle connections: %v", err)
	}
	defer load.stop()
	time.Sleep(time.Second) // let the server's allocations and any background GC settle
	after, err := rssOf(pid)
	if err != nil {
		return err
	}
	c.RSSBefore, c.RSSAfter = before, after
	c.BytesPerConn = float64(after-before) / float64(s.Conns)
	return nil
}

// syncWriter serialises writes from the children's output copiers.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// OpenFileLimit returns the hard limit on open files, which children may
// raise their own limit to.
func OpenFileLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	return l.Max
}
