// Package proactor is netloop's completion engine: one io_uring per loop.
// Instead of asking which sockets are ready, the loop keeps operations in
// flight in its ring — a multishot accept on its own SO_REUSEPORT listener,
// a multishot receive per connection taking buffers from a provided buffer
// ring, at most one send per connection — and reacts to their completions.
// Received bytes are shown to the handler in the ring's buffer, which goes
// back to the kernel as soon as OnData returns; what the handler leaves
// unconsumed is copied into the connection, as in the reactor.
//
// The engine needs Linux 6.0 or newer with io_uring allowed (sysctl,
// seccomp). [Available] says whether this process can use it; [Listen]
// returns its error, which wraps conn.ErrUnsupported, when it cannot. Most
// users reach the engine through netloop.Listen, which falls back to the
// reactor when io_uring is unavailable. The handler contract is documented
// in package conn.
package proactor
