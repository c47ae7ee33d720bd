package engine

import (
	"testing"
	"time"
)

func TestSplitWait(t *testing.T) {
	for _, tc := range []struct {
		timeout, brief, rest time.Duration
		more                 bool
	}{
		{-1, BriefWait, -1, true},                // no limit: brief, then unbounded
		{0, 0, 0, false},                         // a poll
		{BriefWait / 2, BriefWait / 2, 0, false}, // shorter than the window: all of it brief
		{BriefWait, BriefWait, 0, false},         // exactly the window
		{time.Millisecond, BriefWait, time.Millisecond - BriefWait, true},
	} {
		brief, rest, more := SplitWait(tc.timeout)
		if brief != tc.brief || rest != tc.rest || more != tc.more {
			t.Errorf("SplitWait(%v) = %v, %v, %v; want %v, %v, %v", tc.timeout, brief, rest, more, tc.brief, tc.rest, tc.more)
		}
	}
}
