package netloop_test

import (
	"fmt"
	"net"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

// TestLoopsCarryProfileLabels: every loop goroutine is labelled with its
// engine and index, so that a CPU profile splits by loop. The goroutine
// profile prints the labels of each goroutine.
func TestLoopsCarryProfileLabels(t *testing.T) {
	for _, e := range engines {
		t.Run(e.String(), func(t *testing.T) {
			addr := startEcho(t, e, 2)
			// Once a connection has been served, the loops are running.
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			c.Write([]byte("x"))
			if _, err := c.Read(make([]byte, 1)); err != nil {
				t.Fatal(err)
			}
			// Every loop goroutine has started by now or will soon.
			for i := range 2 {
				want := fmt.Sprintf(`"netloop_engine":"%s", "netloop_loop":"%d"`, e, i)
				deadline := time.Now().Add(5 * time.Second)
				for !strings.Contains(goroutines(), want) {
					if time.Now().After(deadline) {
						t.Fatalf("no goroutine labelled %s", want)
					}
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
}

// goroutines is the goroutine profile in text, labels included.
func goroutines() string {
	var b strings.Builder
	pprof.Lookup("goroutine").WriteTo(&b, 1)
	return b.String()
}
