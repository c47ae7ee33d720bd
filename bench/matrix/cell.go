package matrix

// A Cell is one run of one scenario on one server.
type Cell struct {
	Scenario string `json:"scenario"`
	Server   string `json:"server"`
	Rep      int    `json:"rep"`
	Err      string `json:"error,omitempty"`

	Throughput float64 `json:"throughput"` // msg/s or req/s
	MBPerSec   float64 `json:"mb_per_sec,omitempty"`
	P50        float64 `json:"p50_us,omitempty"`
	P90        float64 `json:"p90_us,omitempty"`
	P99        float64 `json:"p99_us,omitempty"`
	P999       float64 `json:"p999_us,omitempty"`
	Max        float64 `json:"max_us,omitempty"`

	ServerCPU  float64 `json:"server_cpu"`            // cores the server used during the window
	LoadCPU    float64 `json:"load_cpu"`              // cores the load generator used
	LoadEngine string  `json:"load_engine,omitempty"` // how cmd/loadgen did its I/O (uring or epoll)
	// Steal is the share of the machine's CPU time (all CPUs) that the
	// hypervisor gave to other virtual machines during the window, from
	// /proc/stat: a run with much of it measured the host, not the servers.
	Steal float64 `json:"steal"`
	// Retries is how many other tries of this run were measured and
	// dropped for more steal (Options.StealRetries).
	Retries        int     `json:"retries,omitempty"`
	CPUPerReq      float64 `json:"cpu_us_per_req,omitempty"`   // server CPU µs per message or request
	SyscallsPerReq float64 `json:"syscalls_per_req,omitempty"` // server system calls per message or request
	// Heap allocations by the server per message or request, and their
	// bytes; -1 where the server cannot report them (examples/httplite).
	AllocsPerReq     float64 `json:"allocs_per_req"`
	AllocBytesPerReq float64 `json:"alloc_bytes_per_req"`

	// Idle scenarios.
	RSSBefore    int64   `json:"rss_before,omitempty"`
	RSSAfter     int64   `json:"rss_after,omitempty"`
	BytesPerConn float64 `json:"bytes_per_conn,omitempty"`
}

// Value is the cell's headline number for its scenario kind.
func (c Cell) Value(k Kind) float64 {
	if k == Idle {
		return c.BytesPerConn
	}
	return c.Throughput
}

// Bottleneck names the side that had its CPU saturated: "server" if the
// server used at least 90% of its core, else "load" if the load generator
// did, else "—" (neither: the round trips themselves, or other work on the
// machine, set the pace).
func (c Cell) Bottleneck() string {
	const saturated = 0.9
	switch {
	case c.ServerCPU >= saturated:
		return "server"
	case c.LoadCPU >= saturated:
		return "load"
	}
	return "—"
}
