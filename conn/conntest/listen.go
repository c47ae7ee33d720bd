package conntest

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/netloop/netloop/conn"
)

// testExclusiveListen: a second server on an address already served, by
// the engine itself or by any other socket, fails with EADDRINUSE in an
// error that names what failed, instead of silently splitting the
// connections with the first.
func testExclusiveListen(t *testing.T, listen Listener) {
	first := serve(t, listen, conn.Config{}, conn.HandlerFuncs{})
	s, err := listen(first.addr, conn.Config{Loops: 2})
	if err == nil {
		s.Serve(canceled(), conn.HandlerFuncs{})
		t.Fatalf("a second server on %s started, want EADDRINUSE", first.addr)
	}
	checkInUse(t, err, first.addr)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s, err = listen(ln.Addr().String(), conn.Config{Loops: 2})
	if err == nil {
		s.Serve(canceled(), conn.HandlerFuncs{})
		t.Fatalf("a server on %s, held by net.Listen, started; want EADDRINUSE", ln.Addr())
	}
	checkInUse(t, err, ln.Addr().String())
}

func checkInUse(t *testing.T, err error, addr string) {
	t.Helper()
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("listen on a taken address: %v, want an error matching EADDRINUSE", err)
	}
	if want := "listen tcp " + addr; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say what failed (%q)", err, want)
	}
}

// canceled is a context that is already done: Serve with it releases a
// server that should not have started.
func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
