package conn

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
)

var (
	// ErrClosed is returned by methods of a connection that has closed.
	// errors.Is(ErrClosed, net.ErrClosed) is true.
	ErrClosed = fmt.Errorf("netloop: %w", net.ErrClosed)

	// ErrServerClosed is the cause given to OnClose for connections that
	// were open when the server shut down. It also matches net.ErrClosed.
	ErrServerClosed = fmt.Errorf("netloop: server closed: %w", net.ErrClosed)

	// ErrInputTooLarge is the cause given to OnClose when a handler left
	// more than Config.MaxInput bytes unconsumed.
	ErrInputTooLarge = errors.New("netloop: unconsumed input exceeds Config.MaxInput")

	// ErrReadIdle is the cause given to OnClose when no input arrived
	// within the read-idle timeout (Conn.SetReadIdleTimeout).
	// errors.Is(ErrReadIdle, os.ErrDeadlineExceeded) is true.
	ErrReadIdle = fmt.Errorf("netloop: read idle timeout: %w", os.ErrDeadlineExceeded)

	// ErrWriteStall is the cause given to OnClose when the peer took none
	// of the pending output within the write-stall timeout
	// (Conn.SetWriteStallTimeout).
	// errors.Is(ErrWriteStall, os.ErrDeadlineExceeded) is true.
	ErrWriteStall = fmt.Errorf("netloop: write stall timeout: %w", os.ErrDeadlineExceeded)

	// ErrUnexpectedEOF is the cause given to OnClose when the peer closed
	// its side while input the handler had not consumed was left: a frame
	// cut short. It matches io.ErrUnexpectedEOF; a peer that closes between
	// frames gives io.EOF.
	ErrUnexpectedEOF = fmt.Errorf("netloop: peer closed with unconsumed input: %w", io.ErrUnexpectedEOF)

	// ErrBadConsume is the cause given to OnClose when OnData returned a
	// count outside [0, len(in)].
	ErrBadConsume = errors.New("netloop: OnData returned a count outside its input")

	// ErrHandlerPanic is the cause given to OnClose for a connection whose
	// callback panicked; the loop recovers, logs the panic and goes on.
	ErrHandlerPanic = errors.New("netloop: handler panicked")

	// ErrMemoryBudget is the cause given to OnClose for a connection
	// closed because the server's connections together held more than
	// Config.MemoryBudget and this one held the most.
	ErrMemoryBudget = errors.New("netloop: server memory budget exceeded; closed the connection holding the most")

	// ErrWouldBlock is returned by AsyncWrite, at once, when the bytes
	// other goroutines have queued for the connection, together with its
	// output not yet sent, would pass Config.AsyncWriteLimit: the peer is
	// not reading as fast as it is written to. Nothing was queued and done
	// will not run; the caller may retry later, drop the write, or close
	// the connection. errors.Is(ErrWouldBlock, syscall.EAGAIN) is true, as
	// for a non-blocking write to a full socket; it is not a timeout, so it
	// does not match os.ErrDeadlineExceeded.
	ErrWouldBlock = fmt.Errorf("netloop: AsyncWrite queue full: %w", syscall.EAGAIN)

	// ErrUnsupported is returned when an engine cannot run on this system,
	// for example io_uring disabled by sysctl or seccomp.
	// errors.Is(ErrUnsupported, errors.ErrUnsupported) is true.
	ErrUnsupported = fmt.Errorf("netloop: engine unavailable: %w", errors.ErrUnsupported)
)
