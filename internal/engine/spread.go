package engine

// Loops that watch one listening socket share out what they accept.
//
// TCP listeners come one per loop with SO_REUSEPORT, and the kernel spreads
// connections over them by a hash of the addresses. A Unix socket has no
// such option: every loop watches a duplicate of one descriptor, and the
// kernel wakes whichever loop waits first (one of them, with the reactor's
// EPOLLEXCLUSIVE). Under light load that is the same loop every time, so
// without help one loop would serve every connection while the others
// idle. A loop that accepts on a shared listener therefore hands the
// connection to the loop of the group with the fewest connections, counting
// those on their way to it; on a tie it keeps it. The hand-off is a posted
// request: one wake-up of the other loop per connection handed over, paid
// once, at accept.

// spread is what the loops sharing a listener know of each other.
type spread struct {
	loops []*Loop
}

// shareListener groups loops that watch one listening socket, so that
// HandOff spreads their connections. Before Serve.
func shareListener(loops []*Loop) {
	if len(loops) < 2 {
		return
	}
	s := &spread{loops: loops}
	for _, l := range loops {
		l.spread = s
	}
}

// SetAdopt installs the engine's way of serving a connection another loop
// of its group accepted (see HandOff): adopt opens the accepted socket fd
// on this loop, as the engine's accept would have; reject closes it
// unserved, for a hand-off that reaches a loop already stopping.
func (l *Loop) SetAdopt(adopt, reject func(fd int)) {
	l.adopt, l.reject = adopt, reject
}

// HandOff offers fd, a connection l has just accepted, to the loop of l's
// group with the fewest connections. It reports whether that loop took it:
// when l shares no listener, is itself the least loaded, or the other loop
// is draining or has stopped, it returns false and l serves the
// connection. Loop only.
func (l *Loop) HandOff(fd int) bool {
	if l.spread == nil {
		return false
	}
	t := l.spread.leastLoaded(l)
	if t == l {
		return false
	}
	// Counted first, then the drain checked: a loop starting its drain
	// sets draining first, then checks incoming (checkDrained), so either
	// it sees this connection coming and waits for it, or this sees it
	// draining and keeps the connection on l, whose own drain, not yet
	// begun while l accepts, will count it. It can be both: t's drain
	// may have begun, and seen the count, between the count and the
	// check below, and then waits for a connection that is not coming.
	// So the count is taken back on t, where checkDrained looks again.
	t.incoming.Add(1)
	if testHookHandOffCounted != nil {
		testHookHandOffCounted(t)
	}
	if t.draining.Load() {
		if t.Post(t.ReleaseDrain) != nil {
			t.incoming.Add(-1) // stopped: no drain waits any more
		}
		return false
	}
	err := t.post(Request{
		Kind: RequestFunc,
		Fn: func() {
			t.incoming.Add(-1)
			t.adopt(fd)
			t.checkDrained() // the adopt may have failed, leaving t empty
		},
		Drop: func() {
			t.incoming.Add(-1)
			t.reject(fd)
		},
	})
	if err != nil { // t has stopped: serve it here after all
		t.incoming.Add(-1)
		return false
	}
	return true
}

// testHookHandOffCounted, when set by a test, runs in HandOff between
// counting the connection on its way to t and checking t's drain.
var testHookHandOffCounted func(t *Loop)

// leastLoaded returns the loop with the fewest open and incoming
// connections, preferring self among equals.
func (s *spread) leastLoaded(self *Loop) *Loop {
	best, least := self, self.Load()
	for _, l := range s.loops {
		if n := l.Load(); n < least {
			best, least = l, n
		}
	}
	return best
}

// Load is how many connections l serves, or is about to serve (handed
// over by another loop, not yet opened), for choosing the least loaded
// loop. Any goroutine.
func (l *Loop) Load() int { return int(l.live.Load() + l.incoming.Load()) }
