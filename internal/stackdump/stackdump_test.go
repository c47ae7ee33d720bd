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
	if state := stackdump.Await("chan receive", 5*time.Second, "stackdump_test.sleeper", "TestState"); state != "chan receive" {
		t.Errorf("State = %q, want \"chan receive\"", state)
	}
	if s := stackdump.State("no such frame anywhere"); s != "" {
		t.Errorf("State of no goroutine = %q, want \"\"", s)
	}
}
