package engine

import (
	"testing"

	"github.com/netloop/netloop/conn"
)

// TestHandOffIntoStartingDrain: a loop whose drain begins just as another
// loop counts a connection on its way to it, and which then keeps the
// connection because it sees the drain, must still finish its drain. (It
// did not: the count was taken back behind the draining loop's last
// check, and Shutdown waited until its deadline. Seen in CI as
// TestConformance/DrainDuringAccepts/unix on the proactor.)
func TestHandOffIntoStartingDrain(t *testing.T) {
	var from, to Loop
	for _, l := range []*Loop{&from, &to} {
		l.Init(conn.Config{}, func() error { return nil })
	}
	shareListener([]*Loop{&from, &to})
	from.live.Add(1) // busier than to: the connection goes to to
	drained := false
	testHookHandOffCounted = func(t *Loop) {
		t.startDrain(nil, func() { drained = true })
	}
	defer func() { testHookHandOffCounted = nil }()

	if from.HandOff(-1) {
		t.Fatal("HandOff gave the connection to a draining loop")
	}
	if drained {
		t.Fatal("the drain ended while a connection was counted on its way")
	}
	for _, ok := to.NextRequest(); ok; _, ok = to.NextRequest() {
	} // the loop's next turn runs what was posted to it
	if !drained {
		t.Fatalf("the drain of an empty loop never ended (incoming %d)", to.incoming.Load())
	}
}
