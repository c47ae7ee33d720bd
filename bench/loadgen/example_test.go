package loadgen_test

import (
	"fmt"
	"time"

	"github.com/netloop/netloop/bench/loadgen"
)

func ExampleHistogram() {
	var h loadgen.Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	// Percentiles are within 1/128 of the exact value; the maximum is exact.
	fmt.Println(h.Count(), h.Percentile(50).Round(10*time.Microsecond), h.Percentile(99).Round(10*time.Microsecond), h.Max())
	// Output: 1000 500µs 990µs 1ms
}
