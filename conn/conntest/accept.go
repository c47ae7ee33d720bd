package conntest

import (
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// testAcceptEMFILE: when the process runs out of descriptors, accept fails
// with EMFILE. The engine must neither spin on the failing listener nor
// disturb established connections, and must accept the waiting client once
// descriptors are free again.
func testAcceptEMFILE(t *testing.T, listen Listener) {
	s := serve(t, listen, conn.Config{}, record(t, echo{}))
	old := s.dial(t)
	roundTrip(t, old, []byte("before"))

	release := exhaustDescriptors(t) // one left, for the client's socket
	defer release()
	waiting := s.dial(t)
	if _, err := waiting.Write([]byte("after")); err != nil {
		t.Fatal(err)
	}

	cpu := cpuTime()
	time.Sleep(300 * time.Millisecond) // measuring idle CPU, not synchronising
	if used := cpuTime() - cpu; used > 150*time.Millisecond {
		t.Errorf("process used %v of CPU in 300ms while accept failed: the loop spins", used)
	}
	if got := roundTrip(t, old, []byte("during")); string(got) != "during" {
		t.Fatalf("established connection got %q", got)
	}

	release()
	got := make([]byte, len("after"))
	waiting.SetReadDeadline(time.Now().Add(timeout))
	if _, err := waiting.Read(got); err != nil || string(got) != "after" {
		t.Fatalf("client that waited for accept got %q, %v", got, err)
	}
}
