package netloop_test

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
	"unsafe"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/sys/unix"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// TestAutoFallsBackUnderSeccomp runs itself again in a child process that a
// seccomp filter forbids io_uring_setup, the way container runtimes do. In
// the child, Auto must pick the reactor, say why once in the log, and
// serve; forcing the proactor must fail with ErrUnsupported, not panic.
func TestAutoFallsBackUnderSeccomp(t *testing.T) {
	if os.Getenv("NETLOOP_SECCOMP_CHILD") == "1" {
		fallbackChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAutoFallsBackUnderSeccomp$", "-test.v")
	cmd.Env = append(os.Environ(), "NETLOOP_SECCOMP_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("child:\n%s", out)
}

func fallbackChild(t *testing.T) {
	if err := forbidIOURing(); err != nil {
		t.Skipf("cannot install a seccomp filter here: %v", err)
	}
	if _, err := netloop.Listen("127.0.0.1:0", netloop.Config{Engine: conn.EngineProactor}); !errors.Is(err, conn.ErrUnsupported) {
		t.Fatalf("Listen with the proactor under seccomp = %v, want ErrUnsupported", err)
	}
	if got := netloop.Chosen(conn.EngineAuto); got != conn.EngineReactor {
		t.Fatalf("Chosen(auto) = %v under seccomp, want reactor", got)
	}
	core, logs := observer.New(zap.InfoLevel)
	log := zap.New(core)
	for range 2 {
		s, err := netloop.Listen("127.0.0.1:0", netloop.Config{Logger: log, Loops: 1})
		if err != nil {
			t.Fatalf("Listen with auto under seccomp: %v", err)
		}
		addr := serveUntilCleanup(t, s, echoHandler{})
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if err := roundTrip(c, []byte("over epoll"), make([]byte, 10)); err != nil {
			t.Fatalf("echo through the fallback: %v", err)
		}
		c.Close()
	}
	if n := logs.FilterMessageSnippet("io_uring unavailable").Len(); n != 1 {
		t.Errorf("the fallback was logged %d times over two servers, want once", n)
	}
}

// forbidIOURing installs, for every thread of the process, a seccomp filter
// that fails io_uring_setup with ENOSYS. (io_uring_setup is 425 on every
// architecture Linux numbers syscalls the same way, amd64 and arm64 among
// them.)
func forbidIOURing() error {
	filter := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}, // seccomp_data.nr
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: unix.SYS_IO_URING_SETUP, Jt: 0, Jf: 1},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW},
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	const setModeFilter = 1 // SECCOMP_SET_MODE_FILTER
	if _, _, errno := unix.Syscall(unix.SYS_SECCOMP, setModeFilter, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog))); errno != 0 {
		return errno
	}
	return nil
}
