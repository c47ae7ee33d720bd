// Package matrix runs every benchmark scenario against every server, each
// server pinned to one CPU and the load to another, and writes the results
// as a Markdown report and an SVG chart.
package matrix

import (
	"fmt"
	"strings"

	"github.com/netloop/netloop/bench/peers"
)

// Kind is how a scenario applies load.
type Kind string

const (
	Load Kind = "load" // the echo load generator (cmd/loadgen)
	Wrk  Kind = "wrk"  // wrk with scripts/http.lua
	Idle Kind = "idle" // idle connections; measures the server's memory
)

// A Scenario is one row of the matrix.
type Scenario struct {
	Name  string // short and unique, used by -only and in the results
	Kind  Kind
	Conns int // connections (idle: how many to open)
	Depth int // Load: messages in flight per connection; Wrk: pipeline depth
	Size  int // Load: message size in bytes
}

// Mode is the server mode the scenario needs.
func (s Scenario) Mode() peers.Mode {
	if s.Kind == Wrk {
		return peers.HTTP
	}
	return peers.Echo
}

// Unit names what the scenario's headline number counts.
func (s Scenario) Unit() string {
	switch s.Kind {
	case Wrk:
		return "req/s"
	case Idle:
		return "bytes/conn"
	}
	return "msg/s"
}

// HigherIsBetter says which way the headline number improves.
func (s Scenario) HigherIsBetter() bool { return s.Kind != Idle }

// Title describes the scenario in words.
func (s Scenario) Title() string {
	switch s.Kind {
	case Wrk:
		if s.Depth > 1 {
			return fmt.Sprintf("HTTP plaintext, wrk, %d connections, %d requests pipelined", s.Conns, s.Depth)
		}
		return fmt.Sprintf("HTTP plaintext, wrk, %d connections", s.Conns)
	case Idle:
		return fmt.Sprintf("resident memory per idle connection, %d connections", s.Conns)
	}
	t := fmt.Sprintf("echo, %d connections × %s", s.Conns, sizeString(s.Size))
	if s.Depth > 1 {
		t += fmt.Sprintf(", %d in flight each", s.Depth)
	}
	return t
}

func sizeString(n int) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// Scenarios returns the full matrix, in the order it runs.
func Scenarios() []Scenario {
	return []Scenario{
		{Name: "echo-100c-64B", Kind: Load, Conns: 100, Depth: 1, Size: 64},
		{Name: "echo-1000c-64B", Kind: Load, Conns: 1000, Depth: 1, Size: 64},
		{Name: "echo-100c-64B-p16", Kind: Load, Conns: 100, Depth: 16, Size: 64},
		{Name: "echo-50c-16KiB", Kind: Load, Conns: 50, Depth: 1, Size: 16 << 10},
		{Name: "http-100c", Kind: Wrk, Conns: 100, Depth: 1},
		{Name: "http-100c-p16", Kind: Wrk, Conns: 100, Depth: 16},
		{Name: "idle-10k", Kind: Idle, Conns: 10000},
		{Name: "idle-100k", Kind: Idle, Conns: 100000},
	}
}

// Filter keeps the scenarios whose name contains one of the comma-separated
// words in only; an empty only keeps all.
func Filter(all []Scenario, only string) []Scenario {
	if only == "" {
		return all
	}
	var out []Scenario
	for _, s := range all {
		for _, w := range strings.Split(only, ",") {
			if w != "" && strings.Contains(s.Name, w) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// IsNetloop reports whether server is one of netloop's own engines.
func IsNetloop(server string) bool { return strings.HasPrefix(server, "netloop-") }
