package netloop_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// policyHandler reports the scheduling policy of the thread OnOpen runs
// on, which for the reactor and proactor is the loop's own.
type policyHandler struct{ got chan uint32 }

func (h policyHandler) OnOpen(c conn.Conn) {
	a, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		h.got <- ^uint32(0)
	} else {
		h.got <- a.Policy
	}
	c.Close()
}
func (policyHandler) OnData(conn.Conn, []byte) int { return 0 }
func (policyHandler) OnClose(conn.Conn, error)     {}

// TestBatchScheduling checks that Config.BatchScheduling puts the loops'
// threads, and only when it is set, under SCHED_BATCH.
func TestBatchScheduling(t *testing.T) {
	for _, e := range []conn.Engine{conn.EngineReactor, conn.EngineProactor} {
		for _, batch := range []bool{false, true} {
			want := map[bool]uint32{false: unix.SCHED_NORMAL, true: unix.SCHED_BATCH}[batch]
			s, err := netloop.Listen("127.0.0.1:0", netloop.Config{Engine: e, Loops: 2, BatchScheduling: batch})
			if errors.Is(err, errors.ErrUnsupported) {
				t.Logf("%s: %v", e, err)
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			h := policyHandler{got: make(chan uint32, 8)}
			addr := serveUntilCleanup(t, s, h)
			// Four connections reach both loops with all but certainty.
			for range 4 {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				select {
				case got := <-h.got:
					if got != want {
						t.Errorf("%s, BatchScheduling %v: loop thread policy %d, want %d", e, batch, got, want)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("%s: no OnOpen", e)
				}
			}
		}
	}
}
