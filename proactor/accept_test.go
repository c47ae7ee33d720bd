package proactor_test

import (
	"bytes"
	"net"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/conn"
)

// TestAcceptBackoff fills the descriptor table so that the loop's accept
// fails with EMFILE, then frees it: the loop must log the failure, back off
// instead of spinning, re-arm the accept, and serve the waiting client.
func TestAcceptBackoff(t *testing.T) {
	// Set up the runtime's poller, which needs descriptors, while there
	// are some.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	var saved unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &saved); err != nil {
		t.Fatal(err)
	}
	// io_uring reads the limit when an accept is prepared, so lower it
	// before the server arms its first accept.
	lowered := saved
	lowered.Cur = uint64(countFDs(t) + 32)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lowered); err != nil {
		t.Skipf("cannot lower RLIMIT_NOFILE: %v", err)
	}
	var filler []int
	restore := func() {
		unix.Setrlimit(unix.RLIMIT_NOFILE, &saved)
		for _, fd := range filler {
			unix.Close(fd)
		}
		filler = nil
	}
	defer restore()
	logCore, logs := observer.New(zap.WarnLevel)
	s := start(t, conn.Config{Loops: 1, Logger: zap.New(logCore)}, echo{})
	msg, buf := []byte("ping"), make([]byte, 4)

	// Fill every free descriptor number below the limit, then free one
	// for the client's socket: the server's accept finds none.
	for {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			break
		}
		filler = append(filler, fd)
	}
	unix.Close(filler[len(filler)-1])
	filler = filler[:len(filler)-1]

	c := dial(t, s)
	defer c.Close()
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	eventually(t, "accept failure logged", func() bool {
		return logs.FilterMessageSnippet("accept failed").Len() > 0
	})
	restore()
	if _, err := c.Read(buf); err != nil || !bytes.Equal(buf, msg) {
		t.Fatalf("echo after the back-off: %q, %v", buf, err)
	}
	if n := logs.FilterMessageSnippet("accept failed").Len(); n > 10 {
		t.Errorf("accept failure logged %d times: the loop spun instead of backing off", n)
	}
}
