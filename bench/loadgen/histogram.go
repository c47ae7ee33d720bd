package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// A Histogram counts durations in log-linear buckets: every power of two is
// split into 128 equal sub-buckets, so a percentile read from it is within
// 1/128 (under 0.8%) of the true value at any scale, from nanoseconds to
// minutes, in a fixed 30 KiB. Values past the top bucket are clamped, but
// the exact maximum is kept separately.
//
// The zero value is an empty histogram ready to use. A Histogram is not safe
// for concurrent use.
type Histogram struct {
	counts [numBuckets]uint64
	total  uint64
	sum    uint64
	max    uint64
}

const (
	subBits    = 7
	subCount   = 1 << subBits // sub-buckets per power of two
	maxShift   = 40 - subBits // largest exact power: 2^40 ns, about 18 minutes
	numBuckets = 2*subCount + (maxShift-1)*subCount + subCount
)

// bucketOf returns the bucket index of v. Values below 2*subCount are their
// own bucket (exact); above that, the bucket is the top subBits+1 bits of v
// together with how far they were shifted.
func bucketOf(v uint64) int {
	if v < 2*subCount {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	if shift > maxShift {
		return numBuckets - 1
	}
	return 2*subCount + (shift-1)*subCount + int(v>>uint(shift)) - subCount
}

// bucketRange returns the smallest and largest value that fall in bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < 2*subCount {
		return uint64(i), uint64(i)
	}
	j := i - 2*subCount
	shift := uint(j/subCount + 1)
	mant := uint64(j%subCount + subCount)
	lo = mant << shift
	return lo, lo + (1 << shift) - 1
}

// Record adds one observation of d. Negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)]++
	h.total++
	h.sum += v
	h.max = max(h.max, v)
}

// Merge adds every observation of o to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 { return h.total }

// Max returns the largest observation, exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean returns the arithmetic mean of the observations, or 0 if there are none.
func (h *Histogram) Mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return time.Duration(h.sum / h.total)
}

// Percentile returns the smallest value v such that at least p percent of
// the observations are at most v, to the histogram's precision (the middle of
// the bucket holding it, never above the exact maximum). p is clamped to
// [0, 100]; an empty histogram reports 0.
func (h *Histogram) Percentile(p float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	p = math.Max(0, math.Min(100, p))
	rank := uint64(math.Ceil(p / 100 * float64(h.total)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketRange(i)
			return time.Duration(min(lo+(hi-lo)/2, h.max))
		}
	}
	return time.Duration(h.max)
}
