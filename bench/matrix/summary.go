package matrix

import (
	"slices"
	"sort"
)

// A Result is one scenario on one server, over its repetitions: the median
// headline number, and the other figures taken from the repetition that
// produced it (so that they belong together).
type Result struct {
	Scenario Scenario
	Server   string
	Median   Cell
	Runs     []float64 // headline number of each successful repetition, in run order
	Steals   []float64 // Cell.Steal of each of Runs
	Err      string    // set when no repetition succeeded
}

// Value is the median headline number.
func (r Result) Value() float64 { return r.Median.Value(r.Scenario.Kind) }

// OK reports whether at least one repetition succeeded.
func (r Result) OK() bool { return r.Err == "" }

// Summarize groups cells by scenario and server, in the order of scenarios
// and servers given.
func Summarize(scenarios []Scenario, servers func(Scenario) []string, cells []Cell) []Result {
	var out []Result
	for _, s := range scenarios {
		for _, server := range servers(s) {
			r := Result{Scenario: s, Server: server}
			var ok []Cell
			for _, c := range cells {
				if c.Scenario != s.Name || c.Server != server {
					continue
				}
				if c.Err != "" {
					r.Err = c.Err
					continue
				}
				ok = append(ok, c)
				r.Runs = append(r.Runs, c.Value(s.Kind))
				r.Steals = append(r.Steals, c.Steal)
			}
			if len(ok) == 0 {
				if r.Err == "" {
					continue // not run at all
				}
				out = append(out, r)
				continue
			}
			r.Err = ""
			sorted := slices.Clone(ok)
			sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Value(s.Kind) < sorted[j].Value(s.Kind) })
			r.Median = sorted[(len(sorted)-1)/2]
			out = append(out, r)
		}
	}
	return out
}

// A Ratio compares netloop with its best peer in one scenario.
type Ratio struct {
	Scenario Scenario
	Netloop  Result // the better of netloop's engines
	Peer     Result // the best peer
	// Engines holds each netloop engine's ratio to the best peer: value
	// divided by the peer's, so above 1 is a win when higher is better and
	// a loss when lower is better (memory).
	Engines map[string]float64
	// Limits holds the C reference servers' headline values (limit-epoll,
	// limit-uring) where they ran; they never count as the best peer.
	Limits map[string]float64
	// EngineValues holds each netloop engine's headline value.
	EngineValues map[string]float64
}

// LimitPairs says which reference server each engine is held against.
var LimitPairs = [][2]string{{"netloop-reactor", "limit-epoll"}, {"netloop-proactor", "limit-uring"}}

// Win reports whether netloop's best engine beats the best peer.
func (r Ratio) Win() bool {
	if r.Scenario.HigherIsBetter() {
		return r.Netloop.Value() > r.Peer.Value()
	}
	return r.Netloop.Value() < r.Peer.Value()
}

// Ratios finds, for each scenario with results on both sides, netloop's
// best engine and the best peer.
func Ratios(results []Result) []Ratio {
	var out []Ratio
	var cur *Ratio
	better := func(s Scenario, a, b Result) bool {
		if s.HigherIsBetter() {
			return a.Value() > b.Value()
		}
		return a.Value() < b.Value()
	}
	flush := func() {
		if cur != nil && cur.Netloop.Server != "" && cur.Peer.Server != "" && cur.Peer.Value() > 0 {
			for name := range cur.Engines {
				cur.Engines[name] /= cur.Peer.Value()
			}
			out = append(out, *cur)
		}
		cur = nil
	}
	for _, r := range results {
		if cur != nil && cur.Scenario.Name != r.Scenario.Name {
			flush()
		}
		if cur == nil {
			cur = &Ratio{Scenario: r.Scenario, Engines: map[string]float64{}, Limits: map[string]float64{}, EngineValues: map[string]float64{}}
		}
		if !r.OK() {
			continue
		}
		if IsLimit(r.Server) {
			cur.Limits[r.Server] = r.Value()
		} else if IsNetloop(r.Server) {
			cur.Engines[r.Server] = r.Value()
			cur.EngineValues[r.Server] = r.Value()
			if cur.Netloop.Server == "" || better(r.Scenario, r, cur.Netloop) {
				cur.Netloop = r
			}
		} else if cur.Peer.Server == "" || better(r.Scenario, r, cur.Peer) {
			cur.Peer = r
		}
	}
	flush()
	return out
}
