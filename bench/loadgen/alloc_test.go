package loadgen

import (
	"testing"
	"time"
)

// TestHotPathAllocs proves that building, checking and recording a message
// allocate nothing: the generator must not make garbage per message, or its
// own GC would show up as server latency.
func TestHotPathAllocs(t *testing.T) {
	p := newPayload(64, 3)
	msg := make([]byte, 64)
	var h Histogram
	r := &run{cfg: Config{Size: 64}, measureFrom: time.Now().Add(-time.Hour), end: time.Now().Add(time.Hour)}
	sent := []time.Time{time.Now()}
	seq := uint64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		p.put(msg, seq)
		if !p.check(msg, seq) {
			t.Fatal("check failed")
		}
		h.Record(time.Duration(seq))
		r.record(1, time.Now(), sent)
		seq++
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per message, want 0", allocs)
	}
}
