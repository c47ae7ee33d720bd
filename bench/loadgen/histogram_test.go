package loadgen

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketRangeCoversEveryValue(t *testing.T) {
	// Walk bucket boundaries: every value maps to a bucket whose range holds it,
	// and consecutive buckets tile the line without gaps.
	var next uint64
	for i := 0; i < numBuckets-1; i++ {
		lo, hi := bucketRange(i)
		if lo != next {
			t.Fatalf("bucket %d starts at %d, want %d", i, lo, next)
		}
		for _, v := range []uint64{lo, hi, lo + (hi-lo)/2} {
			if got := bucketOf(v); got != i {
				t.Fatalf("bucketOf(%d) = %d, want %d (range %d..%d)", v, got, i, lo, hi)
			}
		}
		next = hi + 1
	}
}

func TestPercentileWithinPrecision(t *testing.T) {
	tests := []struct {
		name string
		gen  func(r *rand.Rand) time.Duration
	}{
		{"uniform-microseconds", func(r *rand.Rand) time.Duration { return time.Duration(r.IntN(1000)) * time.Microsecond }},
		{"exponential-tail", func(r *rand.Rand) time.Duration { return time.Duration(r.ExpFloat64() * float64(200*time.Microsecond)) }},
		{"tiny-nanoseconds", func(r *rand.Rand) time.Duration { return time.Duration(r.IntN(200)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var h Histogram
			vals := make([]time.Duration, 100000)
			for i := range vals {
				vals[i] = tt.gen(r)
				h.Record(vals[i])
			}
			slices.Sort(vals)
			for _, p := range []float64{50, 90, 99, 99.9, 100} {
				idx := int(float64(len(vals))*p/100+0.999999) - 1
				want := vals[max(idx, 0)]
				got := h.Percentile(p)
				tol := want/100 + 1
				if got < want-tol || got > want+tol {
					t.Errorf("p%v = %v, want %v ±%v", p, got, want, tol)
				}
			}
			if h.Max() != vals[len(vals)-1] {
				t.Errorf("Max = %v, want %v", h.Max(), vals[len(vals)-1])
			}
		})
	}
}

func TestMerge(t *testing.T) {
	var a, b Histogram
	a.Record(10 * time.Microsecond)
	b.Record(30 * time.Microsecond)
	b.Record(-5) // clamps to zero
	a.Merge(&b)
	if a.Count() != 3 || a.Max() != 30*time.Microsecond || a.Percentile(0) != 0 {
		t.Fatalf("merged: count %d max %v p0 %v", a.Count(), a.Max(), a.Percentile(0))
	}
	if got, want := a.Mean(), (40*time.Microsecond)/3; got != want {
		t.Fatalf("Mean = %v, want %v", got, want)
	}
}
