package conn

// FlowController is implemented by connections of engines that let a
// handler pace one connection by another, as a proxy must: when the side
// it writes to falls behind, it stops reading the side it reads from until
// the output drains. Every method is loop only.
type FlowController interface {
	// PauseReading stops reading from the connection: no OnData until
	// ResumeReading, and the kernel's receive buffer fills, so the peer
	// is slowed by TCP itself. Output still flows. Idempotent.
	PauseReading()

	// ResumeReading undoes PauseReading. (Reading may still wait for the
	// connection's own high-water mark or the memory budget.)
	ResumeReading()

	// Unsent returns how many bytes of output are not yet handed to the
	// kernel.
	Unsent() int

	// OnDrained arranges for f to run on the loop once every byte written
	// so far has been handed to the kernel; at once if none is pending.
	// It does not run if the connection closes first.
	OnDrained(f func(c Conn))

	// CloseWrite sends the peer a FIN (shutdown(SHUT_WR)) once every byte
	// written so far is out; reading goes on. With HalfCloseHandler it
	// passes a half-close through. Later Writes are discarded.
	CloseWrite()
}

// HalfCloseHandler is implemented by handlers that want a peer's
// half-close (its FIN) rather than the end of the connection: once a
// handler implements it, io.EOF no longer closes a connection. Instead
// the engine stops reading it and calls OnPeerClosedWrite; the connection
// stays open for writing until the handler calls Close (OnClose then gets
// nil). A proxy uses it, with FlowController.CloseWrite, to pass a
// half-close through to the other side.
type HalfCloseHandler interface {
	OnPeerClosedWrite(c Conn)
}
