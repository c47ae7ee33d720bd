package conntest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// loopGrabber is a handler that hands out the loops it is started on, so a
// test can dial from ordinary code.
type loopGrabber struct {
	conn.Handler
	loops chan conn.Loop
}

func (g *loopGrabber) OnLoopStart(l conn.Loop) {
	select {
	case g.loops <- l:
	default:
	}
}

func (g *loopGrabber) OnLoopStop(conn.Loop) {}

// aLoop starts the engine and returns one of its loops.
func aLoop(t *testing.T, listen Listener, cfg conn.Config) (*server, conn.Loop) {
	t.Helper()
	g := &loopGrabber{Handler: echo{}, loops: make(chan conn.Loop, 8)}
	if cfg.Loops == 0 {
		cfg.Loops = 2
	}
	s := serve(t, listen, cfg, g)
	select {
	case l := <-g.loops:
		return s, l
	case <-time.After(timeout):
		t.Fatal("no loop started")
		return nil, nil
	}
}

// dialSite is where a dial case dials from: one loop of a server, as a
// handler dials (conn.Dial), or a client, which has loops of its own and
// no listener.
type dialSite struct {
	dial  func(ctx context.Context, network, addr string, h conn.Handler) error
	stats interface{ Stats() conn.Stats }
	// reach waits until the dials made so far have reached their loop;
	// nil where that cannot be known from outside (a client's loops),
	// and a dial still queued at a stop must then fail as one in progress.
	reach func(t *testing.T)
	stop  func(t *testing.T)
}

// siteMaker starts an engine for a dial case, configured by cfg, and stops
// it when the test ends.
type siteMaker func(t *testing.T, cfg conn.Config) *dialSite

// serverSite dials from one loop of a server that listen opens.
func serverSite(listen Listener) siteMaker {
	return func(t *testing.T, cfg conn.Config) *dialSite {
		t.Helper()
		s, l := aLoop(t, listen, cfg)
		return &dialSite{
			dial: func(ctx context.Context, network, addr string, h conn.Handler) error {
				return conn.Dial(ctx, l, network, addr, h)
			},
			stats: s,
			reach: func(t *testing.T) {
				// A posted function runs after the dials posted before it.
				reached := make(chan struct{})
				if err := l.Post(func() { close(reached) }); err != nil {
					t.Fatal(err)
				}
				<-reached
			},
			stop: s.stop,
		}
	}
}

// clientSite dials from a client that newClient makes.
func clientSite(newClient ClientMaker) siteMaker {
	return func(t *testing.T, cfg conn.Config) *dialSite {
		t.Helper()
		c := startClient(t, newClient, cfg)
		return &dialSite{dial: c.Dial, stats: c, stop: func(t *testing.T) { closeClient(t, c) }}
	}
}

// dialCases are the behaviours of outbound connections, run against a
// server's loop (Run) and a client (RunClient).
var dialCases = []struct {
	name string
	run  func(t *testing.T, site siteMaker)
}{
	{"Dial", testDial},
	{"DialName", testDialName},
	{"DialErrors", testDialErrors},
	{"DialTimeout", testDialTimeout},
	{"DialConfigTimeout", testDialConfigTimeout},
	{"DialAtShutdown", testDialAtShutdown},
	{"DialNameAtShutdown", testDialNameAtShutdown},
	{"UnixDial", testUnixDial},
}

// dialResult is what a dialled connection's handler saw.
type dialResult struct {
	opened bool
	data   []byte
	err    error
	local  net.Addr
	remote net.Addr
	at     time.Time // when OnClose ran
}

// dialRecorder writes greeting once open, echoes nothing, collects what
// arrives and reports once closed. It closes after want bytes.
type dialRecorder struct {
	greeting []byte
	want     int
	res      dialResult
	done     chan dialResult
	got      chan struct{} // if not nil, told of the first input
}

func newDialRecorder(greeting []byte, want int) *dialRecorder {
	return &dialRecorder{greeting: greeting, want: want, done: make(chan dialResult, 2)}
}

func (d *dialRecorder) OnOpen(c conn.Conn) {
	d.res.opened = true
	d.res.local, d.res.remote = c.LocalAddr(), c.RemoteAddr()
	c.Write(d.greeting)
}

func (d *dialRecorder) OnData(c conn.Conn, in []byte) int {
	if d.got != nil && len(d.res.data) == 0 {
		close(d.got)
	}
	d.res.data = append(d.res.data, in...)
	if len(d.res.data) >= d.want {
		c.Close()
	}
	return len(in)
}

func (d *dialRecorder) OnClose(c conn.Conn, err error) {
	d.res.at = time.Now()
	d.res.err = err
	if d.res.remote == nil {
		d.res.remote = c.RemoteAddr()
	}
	d.done <- d.res
}

func (d *dialRecorder) wait(t *testing.T) dialResult {
	t.Helper()
	select {
	case r := <-d.done:
		select {
		case <-d.done:
			t.Error("OnClose called twice")
		case <-time.After(20 * time.Millisecond):
		}
		return r
	case <-time.After(timeout):
		t.Fatal("dial never finished")
		return dialResult{}
	}
}

// netEcho is a plain net-package echo server, for dials to reach.
func netEcho(t *testing.T, network, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// Not io.Copy(c, c): TCPConn.ReadFrom splices through pipes
			// the runtime caches, which the leak check would count.
			go func() { io.Copy(struct{ io.Writer }{c}, struct{ io.Reader }{c}); c.Close() }()
		}
	}()
	return ln
}

// testDial: a dial from ordinary code connects, OnOpen's greeting is
// echoed back, and the statistics count it.
func testDial(t *testing.T, site siteMaker) {
	ln := netEcho(t, "tcp", "127.0.0.1:0")
	s := site(t, conn.Config{})
	d := newDialRecorder([]byte("hello, backend"), len("hello, backend"))
	if err := s.dial(context.Background(), "tcp", ln.Addr().String(), d); err != nil {
		t.Fatalf("Dial: %v", err)
	}
	r := d.wait(t)
	if !r.opened || r.err != nil || string(r.data) != "hello, backend" {
		t.Fatalf("dial: opened %v, data %q, err %v; want the greeting echoed and nil", r.opened, r.data, r.err)
	}
	if ra, ok := r.remote.(*net.TCPAddr); !ok || ra.String() != ln.Addr().String() {
		t.Errorf("RemoteAddr = %v, want %v", r.remote, ln.Addr())
	}
	if la, ok := r.local.(*net.TCPAddr); !ok || la.Port == 0 {
		t.Errorf("LocalAddr = %v, want a TCP address with a port", r.local)
	}
	statsOf(t, s.stats, "a dial", func(st conn.LoopStats) bool { return st.Dialed == 1 && st.Open == 0 })
}

// testDialName: a host name is resolved (off the loop) and dialled.
func testDialName(t *testing.T, site siteMaker) {
	ln := netEcho(t, "tcp", "127.0.0.1:0")
	s := site(t, conn.Config{})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	d := newDialRecorder([]byte("x"), 1)
	if err := s.dial(context.Background(), "tcp4", net.JoinHostPort("localhost", port), d); err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if r := d.wait(t); !r.opened || r.err != nil {
		t.Fatalf("dial localhost: opened %v, err %v", r.opened, r.err)
	}
}

// testDialErrors: refused, unresolvable and cancelled dials get OnClose,
// without OnOpen, with an error matching their cause.
func testDialErrors(t *testing.T, site siteMaker) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	s := site(t, conn.Config{})
	for _, tc := range []struct {
		name, network, addr string
		want                func(error) bool
	}{
		{"refused", "tcp", closedAddr, func(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }},
		{"unresolvable", "tcp", "no-such-host.invalid:80", func(err error) bool {
			var dns *net.DNSError
			return errors.As(err, &dns)
		}},
		{"no unix socket", "unix", "/nonexistent/netloop.sock", func(err error) bool { return errors.Is(err, syscall.ENOENT) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDialRecorder(nil, 1)
			if err := s.dial(context.Background(), tc.network, tc.addr, d); err != nil {
				t.Fatalf("Dial: %v", err)
			}
			r := d.wait(t)
			var op *net.OpError
			if r.opened || !tc.want(r.err) || !errors.As(r.err, &op) || op.Op != "dial" {
				t.Fatalf("opened %v, err %v (%T); want no OnOpen and a dial *net.OpError of the right cause", r.opened, r.err, r.err)
			}
		})
	}
	if err := s.dial(context.Background(), "udp", "127.0.0.1:1", newDialRecorder(nil, 1)); err == nil {
		t.Error("Dial udp: nil error, want an unknown network")
	}
}

// Blackhole returns a loopback TCP address whose listener never accepts
// and whose accept queue is full, so the kernel drops further SYNs and a
// connect to it hangs until its timeout: what dial-timeout tests (the
// suite's, and those of programs that dial, such as a proxy's) connect to.
// The listener closes when the test ends; the test is skipped if the queue
// never fills.
func Blackhole(t *testing.T) string {
	t.Helper()
	// SOCK_CLOEXEC is not everywhere: the suite builds on every system.
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	syscall.CloseOnExec(fd)
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	// Fill the queue: once a connect times out, SYNs are being dropped.
	for i := 0; i < 64; i++ {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return addr
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("cannot make a blackhole: the listener's queue never fills")
	return ""
}

// testDialTimeout: a dial to a blackhole ends at the context's deadline
// with os.ErrDeadlineExceeded, and a cancelled one with context.Canceled.
func testDialTimeout(t *testing.T, site siteMaker) {
	addr := Blackhole(t)
	s := site(t, conn.Config{})

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	d := newDialRecorder(nil, 1)
	start := time.Now()
	if err := s.dial(ctx, "tcp", addr, d); err != nil {
		t.Fatalf("Dial: %v", err)
	}
	r := d.wait(t)
	if r.opened || !errors.Is(r.err, os.ErrDeadlineExceeded) {
		t.Fatalf("blackhole: opened %v, err %v; want os.ErrDeadlineExceeded", r.opened, r.err)
	}
	if el := time.Since(start); el < 100*time.Millisecond || el > 5*time.Second {
		t.Errorf("timed out after %v, want about 150ms", el)
	}

	ctx, cancel = context.WithCancel(context.Background())
	d = newDialRecorder(nil, 1)
	if err := s.dial(ctx, "tcp", addr, d); err != nil {
		t.Fatalf("Dial: %v", err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	if r := d.wait(t); r.opened || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("cancelled: opened %v, err %v; want context.Canceled", r.opened, r.err)
	}
}

// relay is one side of a connection pair made by dialFromHandler: what
// arrives is written to the other side.
type relay struct {
	peer conn.Conn
	buf  []byte // arrived before the peer was open
}

// splice is a tiny proxy: each accepted connection dials the backend on
// its own loop and the two relay to each other. The backend side reports
// whether it landed on the client's loop.
type splice struct {
	backend string
}

type backendSide struct {
	client conn.Conn
}

func (s *splice) OnOpen(c conn.Conn) {
	r := &relay{}
	c.SetContext(r)
	err := conn.Dial(context.Background(), c.Loop(), "tcp", s.backend, &backendSide{client: c})
	if err != nil {
		c.Close()
	}
}

func (s *splice) OnData(c conn.Conn, in []byte) int {
	r := c.Context().(*relay)
	if r.peer == nil {
		r.buf = append(r.buf, in...)
	} else {
		r.peer.Write(in)
	}
	return len(in)
}

func (s *splice) OnClose(c conn.Conn, err error) {
	if r := c.Context().(*relay); r.peer != nil {
		r.peer.Close()
	}
}

func (b *backendSide) OnOpen(c conn.Conn) {
	r := b.client.Context().(*relay)
	if b.client.Loop().Index() != c.Loop().Index() {
		b.client.Write([]byte("different loop\n"))
	}
	r.peer = c
	c.Write(r.buf)
	r.buf = nil
}

func (b *backendSide) OnData(c conn.Conn, in []byte) int {
	b.client.Write(in)
	return len(in)
}

func (b *backendSide) OnClose(c conn.Conn, err error) { b.client.Close() }

// testDialFromHandler: a handler dials from OnOpen; the new connection is
// on the caller's loop, and bytes relay both ways through it.
func testDialFromHandler(t *testing.T, listen Listener) {
	ln := netEcho(t, "tcp", "127.0.0.1:0")
	s := serve(t, listen, conn.Config{Loops: 2}, &splice{backend: ln.Addr().String()})
	for range 8 {
		c := s.dial(t)
		msg := bytes.Repeat([]byte("relay me "), 1000)
		roundTrip(t, c, msg)
		c.Close()
	}
}

// testDialAtShutdown: a dial still connecting when the server stops gets
// OnClose, once, with ErrServerClosed.
func testDialAtShutdown(t *testing.T, site siteMaker) {
	addr := Blackhole(t)
	s := site(t, conn.Config{})
	d := newDialRecorder(nil, 1)
	if err := s.dial(context.Background(), "tcp", addr, d); err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if s.reach != nil {
		s.reach(t) // the dial is connecting, not queued
	}
	s.stop(t)
	if r := d.wait(t); r.opened || !errors.Is(r.err, conn.ErrServerClosed) {
		t.Fatalf("dial at shutdown: opened %v, err %v; want ErrServerClosed", r.opened, r.err)
	}
}

// testDialConfigTimeout: Config.DialTimeout ends a dial to a blackhole at
// the configured time with os.ErrDeadlineExceeded, and the earlier of it
// and the context's deadline wins.
func testDialConfigTimeout(t *testing.T, site siteMaker) {
	addr := Blackhole(t)
	const short, long = 200 * time.Millisecond, time.Minute
	for _, tc := range []struct {
		name        string
		dialTimeout time.Duration
		ctxTimeout  time.Duration // 0: context.Background()
	}{
		{"config only", short, 0},
		{"config first", short, long},
		{"context first", long, short},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := site(t, conn.Config{DialTimeout: tc.dialTimeout})
			ctx := context.Background()
			if tc.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
				defer cancel()
			}
			d := newDialRecorder(nil, 1)
			start := time.Now()
			if err := s.dial(ctx, "tcp", addr, d); err != nil {
				t.Fatalf("Dial: %v", err)
			}
			r := d.wait(t)
			el := r.at.Sub(start)
			var op *net.OpError
			if r.opened || !errors.Is(r.err, os.ErrDeadlineExceeded) || !errors.As(r.err, &op) || op.Op != "dial" {
				t.Fatalf("blackhole: opened %v, err %v; want a dial *net.OpError matching os.ErrDeadlineExceeded", r.opened, r.err)
			}
			// Loop timers fire to within a millisecond or so; the upper
			// bound allows for a loaded machine and the race detector.
			if el < short-5*time.Millisecond || el > short+time.Second {
				t.Errorf("timed out after %v, want %v", el, short)
			}
			t.Logf("timed out after %v (want %v)", el, short)
		})
	}
}

// testDialNameAtShutdown: dials of a host name, stopped at once, each get
// OnClose exactly once with ErrServerClosed, whether the stop found them
// resolving, queued, connecting or connected.
func testDialNameAtShutdown(t *testing.T, site siteMaker) {
	ln := netEcho(t, "tcp", "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	s := site(t, conn.Config{})
	var ds []*dialRecorder
	for range 8 {
		d := newDialRecorder(nil, 1) // sends nothing: never closes by itself
		if err := s.dial(context.Background(), "tcp4", net.JoinHostPort("localhost", port), d); err != nil {
			t.Fatalf("Dial: %v", err)
		}
		ds = append(ds, d)
	}
	s.stop(t)
	for i, d := range ds {
		if r := d.wait(t); !errors.Is(r.err, conn.ErrServerClosed) {
			t.Errorf("dial %d: opened %v, err %v; want ErrServerClosed", i, r.opened, r.err)
		}
	}
}
