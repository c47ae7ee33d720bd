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
