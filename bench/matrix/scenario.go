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
	// Loops, when set, overrides the run's -loops for this scenario (event
	// loops and GOMAXPROCS of every server), and Unpinned runs its servers
	// and load without taskset: what a user gets by default.
	Loops    int
	Unpinned bool
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
		if s.Loops > 0 {
			return fmt.Sprintf("HTTP plaintext, wrk, %d connections, %d loops, GOMAXPROCS=%d, unpinned", s.Conns, s.Loops, s.Loops)
		}
		return fmt.Sprintf("HTTP plaintext, wrk, %d connections", s.Conns)
	case Idle:
		return fmt.Sprintf("resident memory per idle connection, %d connections", s.Conns)
	}
	t := fmt.Sprintf("echo, %d connections × %s", s.Conns, sizeString(s.Size))
	if s.Depth > 1 {
		t += fmt.Sprintf(", %d in flight each", s.Depth)
	}
	if s.Loops > 0 {
		t += fmt.Sprintf(", %d loops, GOMAXPROCS=%d", s.Loops, s.Loops)
	}
	if s.Unpinned {
		t += ", unpinned"
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
		{Name: "echo-100c-64B-2loops", Kind: Load, Conns: 100, Depth: 1, Size: 64, Loops: 2, Unpinned: true},
		{Name: "http-100c", Kind: Wrk, Conns: 100, Depth: 1},
		{Name: "http-100c-p16", Kind: Wrk, Conns: 100, Depth: 16},
		{Name: "http-100c-2loops", Kind: Wrk, Conns: 100, Depth: 1, Loops: 2, Unpinned: true},
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

// IsLimit reports whether server is one of the C reference servers
// (bench/limits): rows that show what the machine allows, never counted as
// a peer.
func IsLimit(server string) bool { return strings.HasPrefix(server, "limit-") }

// IsNetloop reports whether server is one of netloop's own engines.
func IsNetloop(server string) bool { return strings.HasPrefix(server, "netloop-") }

// LimitConfig describes the C reference servers (bench/limits), which the
// matrix builds with gcc when it can.
var LimitConfig = map[string]string{
	"limit-epoll": "bench/limits/epoll.c (C, one thread, level-triggered epoll; echo: one read and one write per message straight from the read buffer; HTTP: requests framed by the blank line, all complete ones answered with one write of a prebuilt response); -loops does not apply",
	"limit-uring": "bench/limits/uring.c (C, one thread, liburing: multishot accept and receive into 1,024 provided 16 KiB buffers, each reply sent from the buffer it arrived in, one send in flight per connection; SINGLE_ISSUER, DEFER_TASKRUN); echo only; -loops does not apply",
}

// LimitSources says which C file each reference server is built from, the
// libraries it links, and the modes it serves.
var LimitSources = map[string]struct {
	File  string
	Libs  []string
	Modes []peers.Mode
}{
	"limit-epoll": {"limits/epoll.c", nil, []peers.Mode{peers.Echo, peers.HTTP}},
	"limit-uring": {"limits/uring.c", []string{"-luring"}, []peers.Mode{peers.Echo}},
}
