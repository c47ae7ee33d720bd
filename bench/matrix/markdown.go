package matrix

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/netloop/netloop/bench/peers"
)

// Meta describes the run a report is about.
type Meta struct {
	Date     time.Time
	Machine  string // CPU model, CPU count, kernel
	Go       string
	Command  string // the command that reproduces the run
	Settings string // pinning, durations, repetitions
	Note     string // e.g. that this is a smoke run whose numbers mean nothing
}

// WriteMarkdown writes the full report: headline ratios, a table per
// scenario, and how each server is configured.
func WriteMarkdown(w io.Writer, m Meta, results []Result, ratios []Ratio) {
	fmt.Fprintf(w, "# netloop benchmark matrix, %s\n\n", m.Date.UTC().Format("2006-01-02 15:04 MST"))
	if m.Note != "" {
		fmt.Fprintf(w, "> **%s**\n\n", m.Note)
	}
	fmt.Fprintf(w, "- Machine: %s\n- Go: %s\n- Settings: %s\n- Reproduce: `%s`\n\n", m.Machine, m.Go, m.Settings, m.Command)
	fmt.Fprintf(w, "![chart](chart.svg)\n\n## netloop against the best peer\n\n")
	WriteHeadline(w, ratios)
	var cur string
	for _, r := range results {
		if r.Scenario.Name != cur {
			cur = r.Scenario.Name
			fmt.Fprintf(w, "\n## %s — %s\n\n", r.Scenario.Name, r.Scenario.Title())
			writeTableHeader(w, r.Scenario)
		}
		writeTableRow(w, r)
	}
	fmt.Fprintf(w, "\nLatencies in µs. Server CPU and load CPU are cores busy during the measured window (1.00 = one core); "+
		"bound by says which side was saturated (at least 0.90 of its core; the server checked first; a dash for neither: latency-bound or a noisy machine). CPU µs and syscalls are the server's, per message or request "+
		"(syscalls counted with `perf stat -e raw_syscalls:sys_enter`; heap allocations from the Go runtime's own counters, which cmd/server prints on SIGUSR1 — httplite cannot, hence a dash). Runs: the headline number of each repetition, "+
		"marked with the share of the machine's CPU time the hypervisor took from it (/proc/stat steal) where that was 5 %% or more: such a run measured the host's other work too, "+
		"and was measured again up to -steal-retries times, keeping the try with the least steal.\n")
	writeConfigs(w, results)
}

// WriteHeadline writes the table of netloop/best-peer ratios, one row per
// scenario.
func WriteHeadline(w io.Writer, ratios []Ratio) {
	var engines []string
	seen := map[string]bool{}
	for _, r := range ratios {
		for e := range r.Engines {
			if !seen[e] {
				seen[e] = true
				engines = append(engines, e)
			}
		}
	}
	// reactor, proactor, goroutine, as everywhere else
	sort.Sort(sort.Reverse(sort.StringSlice(engines)))
	fmt.Fprintf(w, "| scenario | best netloop | best peer | netloop / best peer |")
	for _, e := range engines {
		fmt.Fprintf(w, " %s / best peer |", e)
	}
	var limits [][2]string // engine, reference server
	for _, pair := range LimitPairs {
		for _, r := range ratios {
			if _, ok := r.Limits[pair[1]]; ok {
				limits = append(limits, pair)
				fmt.Fprintf(w, " %s / %s |", pair[0], pair[1])
				break
			}
		}
	}
	fmt.Fprintf(w, "\n|---|---|---|---|%s\n", strings.Repeat("---|", len(engines)+len(limits)))
	for _, r := range ratios {
		verdict := "loss"
		if r.Win() {
			verdict = "win"
		}
		unit := r.Scenario.Unit()
		if !r.Scenario.HigherIsBetter() {
			unit += ", lower is better"
		}
		fmt.Fprintf(w, "| %s | %s %s | %s %s | **%.2f×** %s (%s) |", r.Scenario.Name,
			r.Netloop.Server, number(r.Netloop.Value()), r.Peer.Server, number(r.Peer.Value()),
			r.Netloop.Value()/r.Peer.Value(), verdict, unit)
		for _, e := range engines {
			if v, ok := r.Engines[e]; ok {
				fmt.Fprintf(w, " %.2f× |", v)
			} else {
				fmt.Fprintf(w, " — |")
			}
		}
		for _, pair := range limits {
			v, ok1 := r.EngineValues[pair[0]]
			l, ok2 := r.Limits[pair[1]]
			if ok1 && ok2 && l > 0 {
				fmt.Fprintf(w, " %.2f× |", v/l)
			} else {
				fmt.Fprintf(w, " — |")
			}
		}
		fmt.Fprintln(w)
	}
}

func writeTableHeader(w io.Writer, s Scenario) {
	if s.Kind == Idle {
		fmt.Fprintf(w, "| server | bytes/conn | RSS before | RSS after |\n|---|--:|--:|--:|\n")
		return
	}
	fmt.Fprintf(w, "| server | %s | MB/s | p50 | p90 | p99 | p99.9 | max | server CPU | load CPU | bound by | CPU µs/req | syscalls/req | allocs/req | runs |\n", s.Unit())
	fmt.Fprintf(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|---|\n")
}

func writeTableRow(w io.Writer, r Result) {
	if !r.OK() {
		fmt.Fprintf(w, "| %s | %s |\n", r.Server, strings.ReplaceAll(r.Err, "|", "/"))
		return
	}
	c := r.Median
	if r.Scenario.Kind == Idle {
		fmt.Fprintf(w, "| %s | %s | %s KiB | %s KiB |\n", r.Server, number(c.BytesPerConn), number(float64(c.RSSBefore>>10)), number(float64(c.RSSAfter>>10)))
		return
	}
	runs := make([]string, len(r.Runs))
	for i, v := range r.Runs {
		runs[i] = number(v)
		if i < len(r.Steals) && r.Steals[i] >= NoisySteal {
			runs[i] += fmt.Sprintf(" (steal %.0f %%)", 100*r.Steals[i])
		}
	}
	sys := "—"
	if c.SyscallsPerReq > 0 {
		sys = fmt.Sprintf("%.2f", c.SyscallsPerReq)
	}
	allocs := "—"
	if c.AllocsPerReq >= 0 && c.Throughput > 0 {
		allocs = fmt.Sprintf("%.2f (%.0f B)", c.AllocsPerReq, c.AllocBytesPerReq)
	}
	fmt.Fprintf(w, "| %s | %s | %.1f | %s | %s | %s | %s | %s | %.2f | %.2f | %s | %.2f | %s | %s | %s |\n",
		r.Server, number(c.Throughput), c.MBPerSec, micros(c.P50), micros(c.P90), micros(c.P99), micros(c.P999), micros(c.Max),
		c.ServerCPU, c.LoadCPU, c.Bottleneck(), c.CPUPerReq, sys, allocs, strings.Join(runs, ", "))
}

func writeConfigs(w io.Writer, results []Result) {
	fmt.Fprintf(w, "\n## How each server is configured\n\n")
	type key struct {
		server string
		mode   peers.Mode
	}
	seen := map[key]bool{}
	for _, r := range results {
		k := key{r.Server, r.Scenario.Mode()}
		if seen[k] {
			continue
		}
		seen[k] = true
		if IsNetloop(r.Server) && k.mode == peers.HTTP {
			fmt.Fprintf(w, "- **%s** (%s): %s\n", r.Server, k.mode, strings.Replace(HTTPLiteConfig, "<engine>", strings.TrimPrefix(r.Server, "netloop-"), 1))
		} else if IsLimit(r.Server) {
			fmt.Fprintf(w, "- **%s** (%s): %s\n", r.Server, k.mode, LimitConfig[r.Server])
		} else if s, ok := peers.Lookup(r.Server); ok {
			fmt.Fprintf(w, "- **%s** (%s): %s\n", r.Server, k.mode, s.Config[k.mode])
		}
	}
}

// micros formats a latency in µs; zero means the tool did not report it
// (wrk gives no high percentiles for pipelined runs).
func micros(v float64) string {
	if v <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", v)
}

// number formats v with thousands separators and no decimals, or with two
// significant decimals below 10.
func number(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.2f", v)
	}
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}
