// Package reactor is netloop's readiness engine: one epoll event loop per
// core. The kernel reports that a socket is readable or writable; the loop
// then reads into its one read buffer, shows the bytes to the handler in
// place, and at the end of the iteration writes each connection's output
// with a single write(2), arming EPOLLOUT only when the socket's buffer is
// full.
//
// Most users reach it through netloop.Listen with Engine set to
// conn.EngineReactor, or through the automatic choice when io_uring is not
// available. The handler contract is documented in package conn.
package reactor
