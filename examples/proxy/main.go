// Command proxy is a TCP (layer 4) reverse proxy on netloop: each client
// connection is spliced to one backend, dialled on the client's own loop,
// so both sides of a stream share a loop and never cross threads.
//
//	go run ./examples/proxy -listen 127.0.0.1:7000 -backends 127.0.0.1:8080,127.0.0.1:8081
//
// Backends are chosen round-robin (or by fewest connections with
// -balance least) among those that pass a periodic health check (a
// connect). A client whose backend cannot be reached within
// -connect-timeout is tried on the next backend, then closed. When one
// side's unsent output passes -high-water, the proxy stops reading the
// other side until it drains, so a fast sender and a slow reader cost a
// bounded amount of memory. A backend that dies mid-stream closes its
// client, with a log line. -listen and -backends take "unix:PATH" for Unix
// sockets.
// A half-close (FIN) from either side is passed through to the other
// (conn.HalfCloseHandler and FlowController.CloseWrite); the pair closes
// once both sides have sent theirs.
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/examples/internal/cmd"
)

// backend is one upstream server and what the proxy knows of it.
type backend struct {
	network, addr string
	healthy       atomic.Bool
	conns         atomic.Int64 // open spliced connections
}

func parseBackend(s string) *backend {
	b := &backend{network: "tcp", addr: s}
	if p, ok := strings.CutPrefix(s, "unix:"); ok {
		b.network, b.addr = "unix", p
	}
	b.healthy.Store(true) // until a check says otherwise
	return b
}

// check connects to b every interval and records whether it answered.
func (b *backend) check(ctx context.Context, interval, timeout time.Duration, logf func(string, ...any)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		c, err := net.DialTimeout(b.network, b.addr, timeout)
		if err == nil {
			c.Close()
		}
		if was := b.healthy.Swap(err == nil); was != (err == nil) {
			if err != nil {
				logf("proxy: backend %s down: %v", b.addr, err)
			} else {
				logf("proxy: backend %s up", b.addr)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// proxy is the client side's handler.
type proxy struct {
	backends  []*backend
	least     bool
	next      atomic.Uint64
	timeout   time.Duration
	highWater int
	logf      func(string, ...any)
}

// pair is the state of one spliced stream, shared by both sides: they run
// on the same loop, so it needs no lock.
type pair struct {
	client, upstream conn.Conn
	b                *backend
	pending          []byte // client bytes that arrived before the backend was open
	tries            int
	closed           bool
	clientEOF, upEOF bool // each side's FIN, passed on to the other
}

// pick returns the next healthy backend (any, if none is healthy).
func (p *proxy) pick() *backend {
	n := len(p.backends)
	if p.least {
		var best *backend
		for _, b := range p.backends {
			if b.healthy.Load() && (best == nil || b.conns.Load() < best.conns.Load()) {
				best = b
			}
		}
		if best != nil {
			return best
		}
	}
	start := int(p.next.Add(1) % uint64(n))
	for i := range n {
		if b := p.backends[(start+i)%n]; b.healthy.Load() {
			return b
		}
	}
	return p.backends[start]
}

func (p *proxy) OnOpen(c conn.Conn) {
	pr := &pair{client: c}
	c.SetContext(pr)
	p.dial(pr)
}

// dial connects pr to a backend on the client's loop.
func (p *proxy) dial(pr *pair) {
	pr.tries++
	pr.b = p.pick()
	// The connect timeout is the server's Config.DialTimeout: a timer of
	// the loop, where a context with a timeout would cost a runtime timer
	// per dial.
	up := &upstream{p: p, pr: pr}
	if err := conn.Dial(context.Background(), pr.client.Loop(), pr.b.network, pr.b.addr, up); err != nil {
		p.logf("proxy: cannot dial %s: %v", pr.b.addr, err)
		pr.client.Close()
	}
}

func (p *proxy) OnData(c conn.Conn, in []byte) int {
	pr := c.Context().(*pair)
	if pr.upstream == nil {
		pr.pending = append(pr.pending, in...)
		if len(pr.pending) > p.highWater {
			pause(c) // until the backend is open
		}
		return len(in)
	}
	p.forward(c, pr.upstream, in)
	return len(in)
}

// forward writes in from src to dst, and stops reading src while dst's
// unsent output is past the high-water mark.
func (p *proxy) forward(src, dst conn.Conn, in []byte) {
	dst.Write(in)
	fd, ok := dst.(conn.FlowController)
	if !ok || fd.Unsent() <= p.highWater {
		return
	}
	pause(src)
	fd.OnDrained(func(conn.Conn) { resume(src) })
}

func pause(c conn.Conn) {
	if f, ok := c.(conn.FlowController); ok {
		f.PauseReading()
	}
}

func resume(c conn.Conn) {
	if f, ok := c.(conn.FlowController); ok {
		f.ResumeReading()
	}
}

// OnPeerClosedWrite passes the client's FIN on to the backend.
func (p *proxy) OnPeerClosedWrite(c conn.Conn) {
	pr := c.Context().(*pair)
	pr.clientEOF = true
	if pr.upstream != nil {
		closeWrite(pr.upstream)
		pr.maybeDone()
	}
}

// OnPeerClosedWrite passes the backend's FIN on to the client.
func (u *upstream) OnPeerClosedWrite(c conn.Conn) {
	u.pr.upEOF = true
	closeWrite(u.pr.client)
	u.pr.maybeDone()
}

// maybeDone closes both sides once both have half-closed.
func (pr *pair) maybeDone() {
	if pr.clientEOF && pr.upEOF {
		pr.client.Close()
		pr.upstream.Close()
	}
}

func closeWrite(c conn.Conn) {
	if f, ok := c.(conn.FlowController); ok {
		f.CloseWrite()
	} else {
		c.Close()
	}
}

func (p *proxy) OnClose(c conn.Conn, err error) {
	pr := c.Context().(*pair)
	pr.closed = true
	if pr.upstream != nil {
		pr.upstream.Close() // after what the client sent is out
	}
}

// upstream is the backend side's handler of one pair.
type upstream struct {
	p    *proxy
	pr   *pair
	open bool
}

func (u *upstream) OnOpen(c conn.Conn) {
	u.open = true
	pr := u.pr
	if pr.closed {
		c.Close() // the client left while we connected
		return
	}
	pr.upstream = c
	pr.b.conns.Add(1)
	if len(pr.pending) > 0 {
		c.Write(pr.pending)
		pr.pending = nil
	}
	if pr.clientEOF {
		closeWrite(c)
	}
	resume(pr.client)
}

func (u *upstream) OnData(c conn.Conn, in []byte) int {
	if !u.pr.closed {
		u.p.forward(c, u.pr.client, in)
	}
	return len(in)
}

func (u *upstream) OnClose(c conn.Conn, err error) {
	pr := u.pr
	if !u.open {
		// The dial failed: try the next backend, then give up.
		u.p.logf("proxy: backend %s %s: %v", pr.b.network, pr.b.addr, err)
		if pr.closed {
			return
		}
		if pr.tries < len(u.p.backends) {
			u.p.dial(pr)
			return
		}
		pr.client.Close()
		return
	}
	pr.b.conns.Add(-1)
	if !pr.closed {
		if err != nil && err != conn.ErrServerClosed {
			u.p.logf("proxy: backend %s closed mid-stream (%v); closing client %v", pr.b.addr, err, pr.client.RemoteAddr())
		}
		pr.client.Close() // after what the backend sent is out
	}
}

func main() {
	var o cmd.Options
	o.Register(flag.CommandLine, "127.0.0.1:7000")
	listen := flag.String("listen", "", "address to listen on (alias of -addr; unix:PATH for a Unix socket)")
	backends := flag.String("backends", "127.0.0.1:8080", "comma-separated backend addresses (unix:PATH for Unix sockets)")
	balance := flag.String("balance", "roundrobin", "roundrobin or least (fewest connections)")
	timeout := flag.Duration("connect-timeout", 2*time.Second, "give up connecting to a backend after this long")
	health := flag.Duration("health-interval", 2*time.Second, "how often to check each backend")
	highWater := flag.Int("high-water", 256<<10, "stop reading one side while the other has this many bytes unsent")
	flag.IntVar(&o.ReadBufferSize, "read-buffer", 0, "Config.ReadBufferSize: the loop's read buffer (reactor) or each provided buffer, at most 16 KiB (proactor, 512 of them per loop); 0: the default")
	flag.Parse()
	if *listen != "" {
		o.Addr = *listen
	}
	o.DialTimeout = *timeout
	p := &proxy{least: *balance == "least", timeout: *timeout, highWater: *highWater, logf: log.Printf}
	for _, s := range strings.Split(*backends, ",") {
		if s = strings.TrimSpace(s); s != "" {
			p.backends = append(p.backends, parseBackend(s))
		}
	}
	if len(p.backends) == 0 {
		cmd.Exit("proxy", errNoBackends)
	}
	ctx, stop := cmd.SignalContext()
	defer stop()
	for _, b := range p.backends {
		go b.check(ctx, *health, *timeout, log.Printf)
	}
	cmd.Exit("proxy", cmd.Run(ctx, "proxy", o, p, nil))
}

type constError string

func (e constError) Error() string { return string(e) }

const errNoBackends = constError("no backends given (-backends)")
