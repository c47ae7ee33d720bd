package stackdump_test

import (
	"testing"
	"time"

	"github.com/netloop/netloop/internal/stackdump"
)

func sleeper(done chan struct{}) { <-done }

func TestState(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	go sleeper(done)
	state := ""
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		// The goroutine may be seen runnable first, before it blocks.
		if state = stackdump.State("stackdump_test.sleeper", "TestState"); state == "chan receive" {
			break
		}
	}
	if state != "chan receive" {
		t.Errorf("State = %q, want \"chan receive\"", state)
	}
	if s := stackdump.State("no such frame anywhere"); s != "" {
		t.Errorf("State of no goroutine = %q, want \"\"", s)
	}
}
