package netloop_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// TestPanicReachesStderr: with no Logger set, a recovered handler panic is
// printed to standard error with its stack, on every engine. The server
// runs in a child process (this test binary again) so that its standard
// error can be read.
func TestPanicReachesStderr(t *testing.T) {
	for _, e := range engines {
		t.Run(e.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "NETLOOP_PANIC_CHILD="+e.String())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, stderr.String())
			}
			if strings.Contains(string(out), "unsupported") {
				t.Skipf("engine %s unavailable here", e)
			}
			for _, want := range []string{"handler panic recovered", "the handler's own bug", "panickingHandler.OnData", "stderr_test.go:"} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("standard error lacks %q:\n%s", want, stderr.String())
				}
			}
		})
	}
}

// TestMain runs panicChild instead of the tests in the child process of
// TestPanicReachesStderr.
func TestMain(m *testing.M) {
	if name := os.Getenv("NETLOOP_PANIC_CHILD"); name != "" {
		panicChild(name)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type panickingHandler struct{ conn.HandlerFuncs }

func (panickingHandler) OnData(conn.Conn, []byte) int { panic("the handler's own bug") }

// panicChild serves panickingHandler with the engine named, makes it panic
// once, and returns; it prints "unsupported" if the engine cannot run.
func panicChild(name string) {
	var e conn.Engine
	if err := e.Set(name); err != nil {
		panic(err)
	}
	s, err := netloop.Listen("127.0.0.1:0", netloop.Config{Engine: e, Loops: 1})
	if err != nil {
		os.Stdout.WriteString("unsupported: " + err.Error())
		return
	}
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- s.Serve(ctx, panickingHandler{}) }()
	c, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
	if err != nil {
		panic(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("boom"))
	io.Copy(io.Discard, c) // the server closes the connection after the panic
	c.Close()
	cancel()
	<-done
}
