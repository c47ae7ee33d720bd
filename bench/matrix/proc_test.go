package matrix

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestProcReaders(t *testing.T) {
	rss, err := rssOf(os.Getpid())
	if err != nil || rss < 1<<20 {
		t.Fatalf("rssOf(self) = %d, %v; want over 1 MiB", rss, err)
	}
	// Burn CPU until the clock-tick counter moves. On a loaded machine
	// this process may get little of it, so the bound is generous; a
	// reader that never sees the counter move still fails.
	before, err := cpuTimeOf(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	after := before
	for deadline := time.Now().Add(10 * time.Second); after <= before && time.Now().Before(deadline); {
		for spin := time.Now().Add(10 * time.Millisecond); time.Now().Before(spin); {
		}
		after, _ = cpuTimeOf(os.Getpid())
	}
	if after <= before {
		t.Fatalf("CPU time did not advance in 10 s of spinning: %v then %v", before, after)
	}
	if _, err := rssOf(1 << 30); err == nil {
		t.Fatal("rssOf of a missing process succeeded")
	}
}

func TestStartWaitLine(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	var log syncWriter
	log.w = &bytesSink{}
	p, line, err := startWaitLine(exec.Command("sh", "-c", "echo hello; echo ready 3; exec sleep 30"), &log, "ready", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if line != "ready 3" {
		t.Fatalf("line %q", line)
	}
	p.stop()
	if _, _, err := startWaitLine(exec.Command("sh", "-c", "echo nope"), &log, "ready", 5*time.Second); err == nil {
		t.Fatal("no error from a child that exits without the line")
	}
}

type bytesSink struct{ n int }

func (b *bytesSink) Write(p []byte) (int, error) { b.n += len(p); return len(p), nil }

func TestParseCPULine(t *testing.T) {
	total, steal, err := parseCPULine("cpu  1809504 0 2471677 2578111 911724 0 1011562 261542 7 0")
	if err != nil || total != 9044120 || steal != 261542 {
		t.Fatalf("parseCPULine = %d, %d, %v; want 9044120, 261542, nil", total, steal, err)
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4 5 6 7 8", "cpu 1 2 3", "cpu 1 2 3 4 5 6 7 x"} {
		if _, _, err := parseCPULine(bad); err == nil {
			t.Errorf("parseCPULine(%q) succeeded", bad)
		}
	}
	if total, _, err := machineTicks(); err != nil || total <= 0 {
		t.Fatalf("machineTicks = %d, %v", total, err)
	}
}
