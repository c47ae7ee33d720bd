package matrix

import (
	"bytes"
	"encoding/xml"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseWrk(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		wantErr bool
		perSec  float64
		errors  int64
	}{
		{
			name:   "plain",
			out:    "Running 1s test @ http://x/\nRESULT {\"requests\":5000,\"duration_us\":500000,\"bytes\":1,\"errors\":{\"connect\":0,\"read\":0,\"write\":0,\"status\":0,\"timeout\":0},\"p50_us\":100.0,\"p90_us\":1,\"p99_us\":1,\"p999_us\":1,\"max_us\":9,\"mean_us\":1,\"pipeline\":1}\n",
			perSec: 10000,
		},
		{
			name:   "errors counted",
			out:    "RESULT {\"requests\":10,\"duration_us\":1000000,\"errors\":{\"connect\":1,\"read\":2,\"write\":0,\"status\":3,\"timeout\":4}}",
			perSec: 10, errors: 10,
		},
		{name: "no result line", out: "Requests/sec: 1\n", wantErr: true},
		{name: "garbled", out: "RESULT {\"requests\":", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseWrk(tt.out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if r.perSec() != tt.perSec || r.Errors.total() != tt.errors {
				t.Fatalf("perSec %v errors %d, want %v and %d", r.perSec(), r.Errors.total(), tt.perSec, tt.errors)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		only string
		want int
	}{
		{"", len(Scenarios())},
		{"echo", 5},
		{"2loops", 2},
		{"http-100c-p16", 1},
		{"idle,echo-50c", 3},
		{"nonesuch", 0},
	}
	for _, tt := range tests {
		if got := len(Filter(Scenarios(), tt.only)); got != tt.want {
			t.Errorf("Filter(%q) kept %d, want %d", tt.only, got, tt.want)
		}
	}
}

// cells builds a small matrix: two scenarios, netloop's two engines and
// two peers, three repetitions, one failure.
func cells() ([]Scenario, []Cell) {
	echo := Scenario{Name: "echo", Kind: Load, Conns: 1, Depth: 1, Size: 64}
	idle := Scenario{Name: "idle", Kind: Idle, Conns: 100}
	var cs []Cell
	add := func(s, server string, vals ...float64) {
		for i, v := range vals {
			c := Cell{Scenario: s, Server: server, Rep: i + 1}
			if s == "idle" {
				c.BytesPerConn = v
			} else {
				c.Throughput, c.P99 = v, v/1000
			}
			cs = append(cs, c)
		}
	}
	add("echo", "netloop-reactor", 100, 300, 200)
	add("echo", "netloop-proactor", 150, 140, 160)
	add("echo", "gnet", 250, 240, 260)
	add("echo", "std", 50, 60, 70)
	cs[len(cs)-2].Steal = 0.23 // a run the host took a share of
	cs[len(cs)-1].Steal = 0.04 // below NoisySteal: not marked
	cs = append(cs, Cell{Scenario: "echo", Server: "nbio", Err: "start: boom"})
	add("idle", "netloop-reactor", 500)
	add("idle", "gnet", 900)
	return []Scenario{echo, idle}, cs
}

func servers(Scenario) []string {
	return []string{"netloop-reactor", "netloop-proactor", "gnet", "nbio", "std"}
}

func TestSummarizeAndRatios(t *testing.T) {
	scenarios, cs := cells()
	results := Summarize(scenarios, servers, cs)
	byKey := map[string]Result{}
	for _, r := range results {
		byKey[r.Scenario.Name+"/"+r.Server] = r
	}
	if r := byKey["echo/netloop-reactor"]; r.Value() != 200 || r.Median.P99 != 0.2 || len(r.Runs) != 3 {
		t.Fatalf("reactor median %v (p99 %v, runs %v), want 200 with its own p99 0.2", r.Value(), r.Median.P99, r.Runs)
	}
	if r := byKey["echo/nbio"]; r.OK() || r.Err != "start: boom" {
		t.Fatalf("nbio: %+v, want its failure", r)
	}
	if _, ok := byKey["idle/std"]; ok {
		t.Fatal("a server never run in a scenario got a result")
	}

	ratios := Ratios(results)
	if len(ratios) != 2 {
		t.Fatalf("%d ratios, want 2", len(ratios))
	}
	echo, idle := ratios[0], ratios[1]
	if echo.Netloop.Server != "netloop-reactor" || echo.Peer.Server != "gnet" || echo.Win() {
		t.Fatalf("echo: netloop %s vs %s, win %v; want reactor losing to gnet", echo.Netloop.Server, echo.Peer.Server, echo.Win())
	}
	if got := echo.Engines["netloop-proactor"]; got != 150.0/250 {
		t.Fatalf("proactor ratio %v, want %v", got, 150.0/250)
	}
	if !idle.Win() || idle.Peer.Server != "gnet" {
		t.Fatalf("idle: lower memory must win: %+v", idle)
	}
}

func TestReportsAreWellFormed(t *testing.T) {
	scenarios, cs := cells()
	results := Summarize(scenarios, servers, cs)
	var md bytes.Buffer
	WriteMarkdown(&md, Meta{Date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), Note: "smoke"}, results, Ratios(results))
	for _, want := range []string{"**0.80×** loss", "**0.56×** win", "| nbio | start: boom |", "> **smoke**", "| 50, 60 (steal 23 %), 70 |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}

	var svg bytes.Buffer
	WriteSVG(&svg, "a <title> & more", results)
	d := xml.NewDecoder(&svg)
	rects := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			rects++
		}
	}
	// background + 4 legend boxes + 4 echo bars + 2 idle bars
	if rects != 11 {
		t.Fatalf("%d rects, want 11", rects)
	}
}

func TestReplaceBetweenMarkers(t *testing.T) {
	doc := []byte("intro\n" + BeginMarker + "\nold\n" + EndMarker + "\noutro\n")
	got, err := ReplaceBetweenMarkers(doc, []byte("new\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "intro\n" + BeginMarker + "\nnew\n" + EndMarker + "\noutro\n"; string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := ReplaceBetweenMarkers([]byte("no markers"), nil); err == nil {
		t.Fatal("no error without markers")
	}
}

func TestNumberFormatting(t *testing.T) {
	tests := []struct {
		v           float64
		num, abbrev string
	}{
		{1234567, "1,234,567", "1.23M"},
		{45678, "45,678", "46k"},
		{1234, "1,234", "1.2k"},
		{512, "512", "512"},
		{3.14159, "3.14", "3"},
	}
	for _, tt := range tests {
		if got := number(tt.v); got != tt.num {
			t.Errorf("number(%v) = %q, want %q", tt.v, got, tt.num)
		}
		if got := short(tt.v); got != tt.abbrev {
			t.Errorf("short(%v) = %q, want %q", tt.v, got, tt.abbrev)
		}
	}
}

func TestBottleneck(t *testing.T) {
	tests := []struct {
		server, load float64
		want         string
	}{
		{0.99, 0.99, "server"},
		{0.5, 0.95, "load"},
		{0.5, 0.5, "—"},
	}
	for _, tt := range tests {
		if got := (Cell{ServerCPU: tt.server, LoadCPU: tt.load}).Bottleneck(); got != tt.want {
			t.Errorf("Bottleneck(server %v, load %v) = %q, want %q", tt.server, tt.load, got, tt.want)
		}
	}
}

func TestProfileReport(t *testing.T) {
	report := "# Samples: 300\n#\n# Overhead  Shared Object\n\n    80.00%  [kernel.kallsyms]\n    20.00%  server\n" +
		"# Samples: 300\n#\n# Overhead  Symbol\n\n    23.00%  [k] finish_task_switch  -  -\n     5.67%  [.] runtime.mallocgc  -  -\n"
	top := topLines(report, 1)
	if want := []string{"80.00% [kernel.kallsyms]", "", "23.00% [k] finish_task_switch"}; !slices.Equal(top, want) {
		t.Fatalf("topLines = %q, want %q", top, want)
	}
	s := Scenario{Name: "http-100c", Kind: Wrk, Conns: 100, Depth: 1}
	var b bytes.Buffer
	WriteProfiles(&b, []Profile{
		{Scenario: s, Server: "netloop-reactor", Cell: Cell{Throughput: 1000}, File: "profiles/x.txt", Top: top},
		{Scenario: s, Server: "gnet", Err: "perf record: denied"},
	})
	for _, want := range []string{"## Profiles", "### http-100c", "1000 req/s  p99       — µs", "[full profile](profiles/x.txt)", "finish_task_switch", "no profile: perf record: denied"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("profiles section lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	WriteProfiles(&b, nil)
	if b.Len() != 0 {
		t.Fatalf("no profiles should write nothing, wrote %q", b.String())
	}
}

func TestLimitsAreNeverTheBestPeer(t *testing.T) {
	s := Scenario{Name: "echo", Kind: Load}
	cs := []Cell{
		{Scenario: "echo", Server: "netloop-proactor", Rep: 1, Throughput: 90},
		{Scenario: "echo", Server: "gnet", Rep: 1, Throughput: 80},
		{Scenario: "echo", Server: "limit-uring", Rep: 1, Throughput: 100},
	}
	results := Summarize([]Scenario{s}, func(Scenario) []string { return []string{"netloop-proactor", "gnet", "limit-uring"} }, cs)
	ratios := Ratios(results)
	if len(ratios) != 1 || ratios[0].Peer.Server != "gnet" || !ratios[0].Win() {
		t.Fatalf("ratios %+v: want the proactor winning over gnet, the limit aside", ratios)
	}
	var md bytes.Buffer
	WriteHeadline(&md, ratios)
	for _, want := range []string{"netloop-proactor / limit-uring", "| 0.90× |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("headline lacks %q:\n%s", want, md.String())
		}
	}
}

func TestLeastStolen(t *testing.T) {
	tries := func(steals ...float64) func() (Cell, bool) {
		return func() (Cell, bool) {
			if len(steals) == 0 {
				return Cell{}, false
			}
			c := Cell{Throughput: 1000 * steals[0], Steal: steals[0]}
			steals = steals[1:]
			return c, true
		}
	}
	for _, tt := range []struct {
		first   float64
		retries int
		more    []float64
		steal   float64
		tried   int
	}{
		{0.01, 2, []float64{0.5}, 0.01, 0},        // little steal: kept as it is
		{0.20, 2, []float64{0.30, 0.02}, 0.02, 2}, // the second retry is clean
		{0.20, 2, []float64{0.10, 0.30}, 0.10, 2}, // none clean: the least stolen
		{0.20, 2, []float64{0.03, 0.01}, 0.03, 1}, // stops at the first clean one
		{0.20, 0, []float64{0.01}, 0.20, 0},       // retries off
		{0.20, 2, nil, 0.20, 0},                   // no time left
	} {
		c := leastStolen(Cell{Throughput: 1000 * tt.first, Steal: tt.first}, tt.retries, tries(tt.more...))
		if c.Steal != tt.steal || c.Retries != tt.tried || c.Throughput != 1000*tt.steal {
			t.Errorf("first %v, retries %d, then %v: kept steal %v after %d retries (throughput %v); want %v after %d",
				tt.first, tt.retries, tt.more, c.Steal, c.Retries, c.Throughput, tt.steal, tt.tried)
		}
	}
	failed := leastStolen(Cell{Steal: 0.5}, 2, func() (Cell, bool) { return Cell{Err: "start: boom", Steal: 0}, true })
	if failed.Err != "" || failed.Retries != 2 {
		t.Errorf("a failed retry replaced the run: %+v", failed)
	}
}
