package engine

import (
	"testing"

	"github.com/netloop/netloop/conn"
)

// BenchmarkPublish is what statistics add to every loop iteration: one
// uncontended TryLock and a copy of the counters. An echo iteration costs
// microseconds (a wait, a read, a write), so this is its share of them.
func BenchmarkPublish(b *testing.B) {
	var l Loop
	l.Init(conn.Config{}, func() error { return nil })
	b.ReportAllocs()
	for b.Loop() {
		l.stats.own.Reads++
		l.publish()
	}
	if l.Snapshot().Reads == 0 {
		b.Fatal("nothing published")
	}
}

// TestSnapshotDuringPublish reads counters while the loop publishes them:
// under -race, any unsynchronised access fails the test.
func TestSnapshotDuringPublish(t *testing.T) {
	var l Loop
	l.Init(conn.Config{}, func() error { return nil })
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 10000 {
			l.stats.own.BytesIn++
			l.publish()
		}
	}()
	var last uint64
	for {
		select {
		case <-done:
			l.publish()
			if got := l.Snapshot().BytesIn; got != 10000 {
				t.Fatalf("final snapshot has BytesIn %d, want 10000", got)
			}
			return
		default:
			if got := l.Snapshot().BytesIn; got < last {
				t.Fatalf("BytesIn went back from %d to %d", last, got)
			} else {
				last = got
			}
		}
	}
}
