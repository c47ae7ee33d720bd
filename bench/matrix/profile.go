package matrix

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A Profile is where a server spent its CPU in one extra run of a scenario
// netloop lost: perf's flat profile, kernel and user code together.
type Profile struct {
	Scenario Scenario
	Server   string
	Cell     Cell     // the profiled run (perf's sampling slows it slightly)
	File     string   // perf report output, relative to the results directory
	Top      []string // its first lines: "percent  [k|.] symbol"
	Err      string
}

// recordProfile samples process pid's stacks for d with perf record and
// returns perf report's flat listing.
func recordProfile(cpu, pid int, d time.Duration) (string, error) {
	data, err := os.CreateTemp("", "netloop-perf-*.data")
	if err != nil {
		return "", err
	}
	data.Close()
	defer os.Remove(data.Name())
	rec := pinned(cpu, "perf", "record", "-q", "-F", "999", "-g", "-p", strconv.Itoa(pid), "-o", data.Name(),
		"--", "sleep", strconv.FormatFloat(d.Seconds(), 'f', 3, 64))
	if out, err := rec.CombinedOutput(); err != nil {
		return "", fmt.Errorf("perf record: %v: %s", err, bytes.TrimSpace(out))
	}
	// Two listings: the share of each binary (kernel against the server's
	// own code), then the symbols.
	var report strings.Builder
	for _, sortBy := range []string{"dso", "symbol"} {
		rep := exec.Command("perf", "report", "-i", data.Name(), "--stdio", "--no-children", "-g", "none",
			"--percent-limit", "0.5", "--sort", sortBy)
		out, err := rep.Output()
		if err != nil {
			return "", fmt.Errorf("perf report: %v", err)
		}
		report.Write(out)
	}
	return report.String(), nil
}

// topLines returns, from each listing in a perf report, its first n sample
// lines, a blank line between listings.
func topLines(report string, n int) []string {
	var top []string
	inListing, taken := false, 0
	sc := bufio.NewScanner(strings.NewReader(report))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			if inListing && len(top) > 0 {
				top = append(top, "")
			}
			inListing, taken = false, 0
			continue
		}
		inListing = true
		if taken < n {
			fields := strings.Fields(line)
			for len(fields) > 0 && fields[len(fields)-1] == "-" { // empty columns of -g none
				fields = fields[:len(fields)-1]
			}
			top = append(top, strings.Join(fields, " "))
			taken++
		}
	}
	if len(top) > 0 && top[len(top)-1] == "" {
		top = top[:len(top)-1]
	}
	return top
}

// Profiles runs, for every scenario netloop lost (or every scenario, with
// all), one more cell for netloop's best engine and one for the best peer,
// each under perf record, and writes their reports under dir/profiles.
func Profiles(ctx context.Context, o Options, ratios []Ratio, all bool, dir string) []Profile {
	var out []Profile
	if err := os.MkdirAll(filepath.Join(dir, "profiles"), 0o755); err != nil {
		return nil
	}
	for _, r := range ratios {
		if (r.Win() && !all) || r.Scenario.Kind == Idle {
			continue
		}
		for _, server := range []string{r.Netloop.Server, r.Peer.Server} {
			if ctx.Err() != nil {
				return out
			}
			p := Profile{Scenario: r.Scenario, Server: server}
			po := o
			var report string
			po.profileOut = &report
			fmt.Fprintf(o.Log, "\n=== profile %s server %s\n", r.Scenario.Name, server)
			p.Cell = po.cell(ctx, r.Scenario, server, o.Log)
			p.Err = p.Cell.Err
			if report != "" {
				p.File = filepath.Join("profiles", r.Scenario.Name+"-"+server+".txt")
				if err := os.WriteFile(filepath.Join(dir, p.File), []byte(report), 0o644); err != nil {
					p.Err = err.Error()
				}
				p.Top = topLines(report, 12)
			}
			fmt.Fprintf(o.Progress, "[profile] %-18s %-17s %s\n", r.Scenario.Name, server, p.Cell.summary(r.Scenario))
			out = append(out, p)
		}
	}
	return out
}

// WriteProfiles adds the profiles of the lost scenarios to a report.
func WriteProfiles(w io.Writer, profiles []Profile) {
	if len(profiles) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Profiles\n\n"+
		"For each scenario netloop lost (or each, with `-profile all`), one extra run of its best engine and of the best peer under "+
		"`perf record -F 999 -g` (flat profile, kernel `[k]` and user `[.]` symbols; full listings in `profiles/`).\n")
	cur := ""
	for _, p := range profiles {
		if p.Scenario.Name != cur {
			cur = p.Scenario.Name
			fmt.Fprintf(w, "\n### %s — %s\n", cur, p.Scenario.Title())
		}
		fmt.Fprintf(w, "\n**%s** — %s", p.Server, p.Cell.summary(p.Scenario))
		if p.File != "" {
			fmt.Fprintf(w, " ([full profile](%s))", p.File)
		}
		fmt.Fprintf(w, "\n\n")
		if p.Err != "" && len(p.Top) == 0 {
			fmt.Fprintf(w, "no profile: %s\n", p.Err)
			continue
		}
		fmt.Fprintf(w, "```\n%s\n```\n", strings.Join(p.Top, "\n"))
	}
}
