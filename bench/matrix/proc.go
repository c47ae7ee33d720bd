package matrix

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pinned returns a command running name with args on cpu (via taskset), or
// unpinned when cpu is negative.
func pinned(cpu int, name string, args ...string) *exec.Cmd {
	if cpu < 0 {
		return exec.Command(name, args...)
	}
	return exec.Command("taskset", append([]string{"-c", strconv.Itoa(cpu), name}, args...)...)
}

// process is a child started by the runner, its output copied to the raw log.
type process struct {
	cmd   *exec.Cmd
	done  chan struct{}
	stats chan string // lines starting with "stats " (cmd/server's answers to SIGUSR1)
}

// startWaitLine starts cmd and waits until it prints a line starting with
// prefix on standard output, returning that line; with an empty prefix it
// does not wait. Everything the child prints goes to log.
func startWaitLine(cmd *exec.Cmd, log io.Writer, prefix string, timeout time.Duration) (*process, string, error) {
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	p := &process{cmd: cmd, done: make(chan struct{}), stats: make(chan string, 4)}
	lines := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		found := false
		for sc.Scan() {
			fmt.Fprintln(log, sc.Text())
			if !found && prefix != "" && strings.HasPrefix(sc.Text(), prefix) {
				found = true
				lines <- sc.Text()
			}
			if strings.HasPrefix(sc.Text(), "stats ") {
				select {
				case p.stats <- sc.Text():
				default: // nobody asked; the raw log has it
				}
			}
		}
		cmd.Wait()
	}()
	if prefix == "" {
		return p, "", nil
	}
	select {
	case line := <-lines:
		return p, line, nil
	case <-p.done:
		return nil, "", fmt.Errorf("%s exited before printing %q: %v", cmd.Args[0], prefix, cmd.ProcessState)
	case <-time.After(timeout):
		p.stop()
		return nil, "", fmt.Errorf("%s did not print %q within %v", cmd.Args[0], prefix, timeout)
	}
}

// pid is the process id of the child (taskset execs the real program, so
// it is the program's own).
func (p *process) pid() int { return p.cmd.Process.Pid }

// stop asks the child to exit and kills it if it has not within 5 s.
func (p *process) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// allocations asks a cmd/server child for its heap allocation counters
// (it answers SIGUSR1 with "stats objects=N bytes=M") and returns them.
func (p *process) allocations() (objects, bytes uint64, err error) {
	for len(p.stats) > 0 { // a stale answer
		<-p.stats
	}
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return 0, 0, err
	}
	select {
	case line := <-p.stats:
		_, err := fmt.Sscanf(line, "stats objects=%d bytes=%d", &objects, &bytes)
		return objects, bytes, err
	case <-time.After(2 * time.Second):
		return 0, 0, fmt.Errorf("no stats line within 2s")
	}
}

// clockTick is the unit of the CPU times in /proc/PID/stat (USER_HZ, 100 on
// every Linux architecture Go supports).
const clockTick = 10 * time.Millisecond

// cpuTimeOf returns the user plus system CPU time process pid has used.
func cpuTimeOf(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name in field 2 may contain spaces; fields are counted
	// from the ')' that closes it. utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	return time.Duration(ut+st) * clockTick, nil
}

// NoisySteal is the share of stolen CPU time from which a run is marked
// in the report (Cell.Steal).
const NoisySteal = 0.05

// machineTicks returns the clock ticks /proc/stat counts for all CPUs
// together, and how many of them the hypervisor stole.
func machineTicks() (total, steal int64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return parseCPULine(line)
}

// parseCPULine reads the "cpu" line of /proc/stat: user, nice, system,
// idle, iowait, irq, softirq and steal ticks make up the total (guest time
// is counted in user already).
func parseCPULine(line string) (total, steal int64, err error) {
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("unexpected /proc/stat line %q", line)
	}
	for i, s := range f[1:9] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("bad /proc/stat line %q", line)
		}
		total += v
		if i == 7 {
			steal = v
		}
	}
	return total, steal, nil
}

// rssOf returns the resident memory of process pid in bytes.
func rssOf(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// countSyscalls counts the system calls process pid makes during d, with
// perf's raw_syscalls tracepoint. It runs on cpu.
func countSyscalls(cpu, pid int, d time.Duration) (int64, error) {
	cmd := pinned(cpu, "perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-p", strconv.Itoa(pid),
		"--", "sleep", strconv.FormatFloat(d.Seconds(), 'f', 3, 64))
	var out bytes.Buffer
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("perf: %v: %s", err, strings.TrimSpace(out.String()))
	}
	for line := range strings.SplitSeq(out.String(), "\n") {
		f := strings.Split(line, ",")
		if len(f) > 2 && strings.Contains(f[2], "raw_syscalls:sys_enter") {
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("perf: no count in %q", out.String())
}
