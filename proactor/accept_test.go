//go:build linux

package proactor_test

import (
	"bytes"
	"net"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/proactor"
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
	// The ring is set up by Serve; wait until it is, with the accept armed.
	eventually(t, "loop waiting", func() bool { ops, _ := proactor.InFlight(s); return ops == 2 })

	// The client's socket exists before the table fills up; connecting
	// needs no new descriptor. Then the server's accept finds none free.
	cfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(cfd)
	tv := unix.NsecToTimeval(testTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(cfd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	for {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			break
		}
		filler = append(filler, fd)
	}
	port := s.Addr().(*net.TCPAddr).Port
	// A blocking connect interrupted by a signal (the runtime preempts
	// with SIGURG) goes on in the background; retrying reports EISCONN.
	sa := &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
	for err := unix.Connect(cfd, sa); err != nil && err != unix.EISCONN; err = unix.Connect(cfd, sa) {
		if err != unix.EINTR && err != unix.EALREADY {
			t.Fatalf("connect: %v", err)
		}
	}
	if _, err := unix.Write(cfd, msg); err != nil {
		t.Fatal(err)
	}
	eventually(t, "accept failure logged", func() bool {
		return logs.FilterMessageSnippet("accept failed").Len() > 0
	})
	restore()
	n, err := unix.Read(cfd, buf)
	for err == unix.EINTR {
		n, err = unix.Read(cfd, buf)
	}
	if err != nil || !bytes.Equal(buf[:n], msg) {
		t.Fatalf("echo after the back-off: %q, %v", buf[:max(n, 0)], err)
	}
	if n := logs.FilterMessageSnippet("accept failed").Len(); n > 10 {
		t.Errorf("accept failure logged %d times: the loop spun instead of backing off", n)
	}
}
