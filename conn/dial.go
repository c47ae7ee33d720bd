package conn

import "context"

// Dialer is implemented by the loops of engines that open outbound
// connections (Conn.Loop returns one; so do the loops a LoopHandler is
// given). Use it through Dial.
type Dialer interface {
	// Dial opens a connection to addr on network ("tcp", "tcp4", "tcp6"
	// or "unix": a path, or a Linux abstract name beginning with '@')
	// on this loop, served by h (nil: the server's own handler). A proxy
	// that dials from OnOpen thus keeps both sides of a stream on one loop,
	// and their callbacks never run at the same time.
	//
	// The outcome is reported to h on the loop, as for any connection:
	// OnOpen once connected, then OnClose exactly once. A dial that fails
	// gets OnClose without OnOpen, with a *net.OpError (Op "dial") whose
	// cause matches the connect's errno with errors.Is
	// (syscall.ECONNREFUSED, syscall.ENETUNREACH, syscall.ENOENT for a
	// missing socket file, ...), os.ErrDeadlineExceeded once ctx's
	// deadline or Config.DialTimeout passes (a timer of the loop), or
	// context.Canceled when ctx is cancelled first, or ErrServerClosed
	// when the loop stops first. ctx matters only until the connection
	// is open. Name resolution runs on a goroutine, never on the loop;
	// an IP literal or a Unix path needs none.
	//
	// Dial itself returns an error only when it cannot start: an unknown
	// network, a loop that is stopping (ErrServerClosed), or a nil h on
	// a Client's loop, which has no handler of its own. It may be called
	// from any goroutine.
	Dial(ctx context.Context, network, addr string, h Handler) error
}

// Dial opens an outbound connection on loop l (typically c.Loop() of a
// connection, so that the new one lands on the same loop); see
// Dialer.Dial. It returns an error matching ErrUnsupported when l's
// engine cannot dial.
func Dial(ctx context.Context, l Loop, network, addr string, h Handler) error {
	d, ok := l.(Dialer)
	if !ok {
		return ErrUnsupported
	}
	return d.Dial(ctx, network, addr, h)
}
