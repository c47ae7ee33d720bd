package loadgen

import (
	"fmt"
	"time"
)

// startProgress prints one line a second to cfg.Progress — the last second's
// rate, the rate over the measured window so far, and the error count — and
// returns a function that stops it.
func (r *run) startProgress(start time.Time) (stop func()) {
	if r.cfg.Progress == nil {
		return func() {}
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		var lastMsgs uint64
		last := start
		for {
			select {
			case <-quit:
				return
			case now := <-t.C:
				all := r.msgsAll.Load()
				rate := float64(all-lastMsgs) / now.Sub(last).Seconds()
				lastMsgs, last = all, now
				// "so far" is meaningless over the window's first instants.
				phase := "warm-up"
				if now.Sub(r.measureFrom) >= 500*time.Millisecond {
					soFar := float64(r.msgsMeasured.Load()) / now.Sub(r.measureFrom).Seconds()
					phase = fmt.Sprintf("so far %12.0f msg/s", soFar)
				}
				fmt.Fprintf(r.cfg.Progress, "%5.0fs %12.0f msg/s %9.2f MB/s  %s  errors %d\n",
					now.Sub(start).Seconds(), rate, rate*float64(r.cfg.Size)/1e6, phase, r.errors.Load())
			}
		}
	}()
	return func() { close(quit); <-finished }
}
