//go:build linux

package proactor

// InFlight returns the ring operations in flight and the connections open
// in s, summed over its loops, as of each loop's last wait.
func InFlight(s *Server) (ops, conns int) { return s.inFlight() }

// SetAvailable makes Available return err until restore is called.
func SetAvailable(err error) (restore func()) {
	saved := available
	available = func() error { return err }
	return func() { available = saved }
}

// SetRingShape makes loops started from now on use rings of sq and cq
// entries, copy out batch completions at a time and provide bufs receive
// buffers, until restore is called.
func SetRingShape(sq, cq, batch, bufs int) (restore func()) {
	saved := shape
	shape.sqEntries, shape.cqEntries = uint32(sq), uint32(cq)
	shape.cqeBatch, shape.recvBuffers = batch, bufs
	return func() { shape = saved }
}

// RareEvents returns how many CQ overflows and exhausted buffer rings the
// loops of this process have met.
func RareEvents() (cqOverflows, recvNoBuffers int64) {
	return rare.cqOverflows.Load(), rare.recvNoBuffers.Load()
}
