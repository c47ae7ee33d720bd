package conntest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// addrRecorder is an echo that reports each connection's addresses.
type addrRecorder struct {
	echo
	addrs chan [2]net.Addr
}

func (a *addrRecorder) OnOpen(c conn.Conn) { a.addrs <- [2]net.Addr{c.LocalAddr(), c.RemoteAddr()} }

// serveUnix starts the engine on "unix:"+name.
func serveUnix(t *testing.T, listen Listener, name string, h conn.Handler) *server {
	t.Helper()
	s, err := listen("unix:"+name, conn.Config{Loops: 2})
	if err != nil {
		t.Fatalf("listen unix:%s: %v", name, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &server{srv: s, addr: name, cancel: cancel, done: make(chan error, 1)}
	go func() { srv.done <- s.Serve(ctx, h) }()
	t.Cleanup(func() { srv.stop(t) })
	return srv
}

// testUnixEcho: a server on a Unix socket path and on an abstract name
// echoes; its addresses are *net.UnixAddr; the socket file goes away at
// shutdown.
func testUnixEcho(t *testing.T, listen Listener) {
	path := filepath.Join(t.TempDir(), "echo.sock")
	abstract := fmt.Sprintf("@netloop-conntest-%d-%d", os.Getpid(), time.Now().UnixNano())
	for _, name := range []string{path, abstract} {
		t.Run(name[:1], func(t *testing.T) {
			h := &addrRecorder{addrs: make(chan [2]net.Addr, 16)}
			s := serveUnix(t, listen, name, h)
			if ua, ok := s.srv.Addr().(*net.UnixAddr); !ok || ua.Name != name {
				t.Errorf("Addr() = %#v, want a *net.UnixAddr named %q", s.srv.Addr(), name)
			}
			c, err := net.DialTimeout("unix", name, timeout)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(timeout))
			roundTrip(t, c, []byte("over a unix socket"))
			addrs := <-h.addrs
			for i, a := range addrs {
				if _, ok := a.(*net.UnixAddr); !ok {
					t.Errorf("address %d is %T, want *net.UnixAddr", i, a)
				}
			}
			c.Close()
			s.stop(t)
			if name == path {
				if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("socket file still there after shutdown: %v", err)
				}
			}
		})
	}
}

// testUnixDial: a loop dials a Unix socket.
func testUnixDial(t *testing.T, site siteMaker) {
	path := filepath.Join(t.TempDir(), "backend.sock")
	netEcho(t, "unix", path)
	s := site(t, conn.Config{})
	d := newDialRecorder([]byte("ping"), 4)
	if err := s.dial(context.Background(), "unix", path, d); err != nil {
		t.Fatalf("Dial: %v", err)
	}
	r := d.wait(t)
	if !r.opened || r.err != nil || string(r.data) != "ping" {
		t.Fatalf("unix dial: opened %v, data %q, err %v", r.opened, r.data, r.err)
	}
	if _, ok := r.remote.(*net.UnixAddr); !ok {
		t.Errorf("RemoteAddr is %T, want *net.UnixAddr", r.remote)
	}
}

// testUnixStale: a socket file nobody serves (a crashed run's) is
// replaced; one that is served is not: EADDRINUSE.
func testUnixStale(t *testing.T, listen Listener) {
	path := filepath.Join(t.TempDir(), "stale.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := listen("unix:"+path, conn.Config{Loops: 1}); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("listen on a served socket: %v, want EADDRINUSE", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // leaves the file, as a crash would
	s := serveUnix(t, listen, path, echo{})
	c, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		t.Fatalf("dial after replacing a stale socket: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	roundTrip(t, c, []byte("fresh"))
	_ = s
}

// loopCounter counts its open connections per loop, and answers any input
// with the index of the connection's loop, one byte.
type loopCounter struct {
	mu    sync.Mutex
	open  map[int]int
	loops int // as the connections' Loop().Count() says
}

func (h *loopCounter) OnOpen(c conn.Conn) {
	h.mu.Lock()
	h.open[c.Loop().Index()]++
	h.loops = c.Loop().Count()
	h.mu.Unlock()
}

func (h *loopCounter) OnData(c conn.Conn, in []byte) int {
	c.Write([]byte{byte(c.Loop().Index())})
	return len(in)
}

func (h *loopCounter) OnClose(c conn.Conn, _ error) {
	h.mu.Lock()
	h.open[c.Loop().Index()]--
	h.mu.Unlock()
}

// total is how many connections are open on all loops.
func (h *loopCounter) total() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, k := range h.open {
		n += k
	}
	return n
}

// testUnixSpread: connections to a Unix socket, which every loop watches
// (there is no SO_REUSEPORT for it), are spread evenly over the loops as a
// client opens them one after another; and after every connection of one
// loop has closed, new ones go to that loop.
func testUnixSpread(t *testing.T, listen Listener) {
	name := fmt.Sprintf("@netloop-conntest-spread-%d-%d", os.Getpid(), time.Now().UnixNano())
	h := &loopCounter{open: map[int]int{}}
	serveUnix(t, listen, name, h) // two loops
	onLoop := map[int][]net.Conn{}
	defer func() {
		for _, cs := range onLoop {
			for _, c := range cs {
				c.Close()
			}
		}
	}()
	dial := func(n int) {
		t.Helper()
		for range n {
			c, err := net.DialTimeout("unix", name, timeout)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			c.SetDeadline(time.Now().Add(timeout))
			b := roundTrip(t, c, []byte("?"))
			onLoop[int(b[0])] = append(onLoop[int(b[0])], c)
		}
	}
	check := func(when string) {
		t.Helper()
		h.mu.Lock()
		defer h.mu.Unlock()
		for i := range h.loops {
			if n := len(onLoop[i]); n != 20/h.loops {
				t.Errorf("%s: connections per loop %v, want %d on each of %d", when, h.open, 20/h.loops, h.loops)
				return
			}
		}
	}
	dial(20)
	check("after 20 dials")
	for _, c := range onLoop[0] {
		c.Close()
	}
	closed := len(onLoop[0])
	delete(onLoop, 0)
	for deadline := time.Now().Add(timeout); h.total() != 20-closed; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections open after %d of 20 closed", h.total(), closed)
		}
	}
	dial(closed)
	check(fmt.Sprintf("after loop 0's %d closed and as many dials", closed))
}
