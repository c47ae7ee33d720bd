package engine

// An engine whose loop is not one goroutine (the goroutine engine: a
// goroutine per connection, taking turns under the loop's lock, beside the
// loop's own goroutine that sleeps for its requests and timers) needs three
// things the event loops get from PrepareSleep and Woke: a new turn of the
// clock for each goroutine that takes the lock, the counters published at
// the end of such a turn, and the due time of the next timer, to wake the
// sleeping goroutine when a turn armed an earlier one.

// NewTurn starts a turn of the loop taken by a goroutine other than the
// one that sleeps for it: the loop's clock is read afresh when next needed.
// Loop only (under the engine's lock).
func (l *Loop) NewTurn() { l.stale = true }

// Publish makes the counters visible to Snapshot, as PrepareSleep does,
// for a turn that ends without a sleep. Loop only (under the engine's
// lock).
func (l *Loop) Publish() { l.publish() }

// NextDue returns when the loop's next timer is due, on the loop's clock,
// and false when none is set. Only comparisons between its results mean
// anything. Loop only (under the engine's lock).
func (l *Loop) NextDue() (int64, bool) {
	if len(l.heap) == 0 {
		return 0, false
	}
	return l.heap[0].when, true
}
