// Package stackdump reads goroutine states from the runtime's stack dump,
// for tests that check where a goroutine waits: parked in the runtime's
// poller ("IO wait") or blocked in a system call ("syscall").
package stackdump

import (
	"bytes"
	"runtime"
	"time"
)

// State returns the state of the first goroutine whose stack mentions
// every one of frames, as the dump gives it ("IO wait" of "IO wait, locked
// to thread"), or "" when there is none.
func State(frames ...string) string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
next:
	for g := range bytes.SplitSeq(buf, []byte("\n\n")) {
		for _, f := range frames {
			if !bytes.Contains(g, []byte(f)) {
				continue next
			}
		}
		head, _, _ := bytes.Cut(g, []byte("\n"))
		_, st, _ := bytes.Cut(head, []byte("["))
		st, _, _ = bytes.Cut(st, []byte("]"))
		st, _, _ = bytes.Cut(st, []byte(","))
		return string(st)
	}
	return ""
}

// Await polls State(frames...) every millisecond until it is want or
// within has passed, and returns the last state it saw: a goroutine is
// often in the dump, runnable, before it reaches the wait a test asserts.
func Await(want string, within time.Duration, frames ...string) string {
	state := ""
	for deadline := time.Now().Add(within); ; time.Sleep(time.Millisecond) {
		if state = State(frames...); state == want || !time.Now().Before(deadline) {
			return state
		}
	}
}
