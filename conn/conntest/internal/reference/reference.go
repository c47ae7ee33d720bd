// Package reference is the simplest engine that can honour the conn
// contract: one goroutine per connection over the net package, plus a
// reader and a writer goroutine each. It is slow and obviously correct, and
// exists so that the conformance suite can be checked against it: a test
// that fails here is a bug in the suite, not in an engine.
package reference

import (
	"context"
	"errors"
	"fmt"
	"github.com/valyala/bytebufferpool"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
)

// Server serves on one net.Listener.
type Server struct {
	ln  net.Listener
	cfg conn.Config
	b   budget

	// A graceful shutdown: drain is closed when it starts, stop when its
	// deadline passes, served when Serve has returned.
	drain, stop, served chan struct{}
	drainOnce, stopOnce sync.Once
	serving             atomic.Bool

	// For a Client (client.go): no ln, and started is told the loop.
	client  bool
	started func(*rloop)
}

// budget is the server's memory budget: the bytes its connections hold,
// and the connections, to find the one holding the most.
type budget struct {
	limit int64
	total atomic.Int64
	mu    sync.Mutex
	conns map[*rconn]bool
}

// add counts n more bytes held by c (fewer if negative); past the budget it
// closes the connection holding the most.
func (b *budget) add(c *rconn, n int64) {
	c.held.Add(n)
	if b.total.Add(n) <= b.limit || b.limit <= 0 || n <= 0 {
		return
	}
	b.mu.Lock()
	var worst *rconn
	for o := range b.conns {
		if worst == nil || o.held.Load() > worst.held.Load() {
			worst = o
		}
	}
	b.mu.Unlock()
	if worst != nil {
		worst.post(event{kind: evAbort, err: conn.ErrMemoryBudget})
	}
}

// Listen opens a listener on addr.
// "unix:PATH" listens on a Unix socket, removing a stale socket file
// first.
func Listen(addr string, cfg conn.Config) (*Server, error) {
	network := "tcp"
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, addr = "unix", path
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
		} else if errors.Is(err, syscall.ECONNREFUSED) {
			os.Remove(path)
		}
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	return &Server{ln: ln, cfg: cfg, b: budget{limit: int64(cfg.MemoryBudget), conns: map[*rconn]bool{}},
		drain: make(chan struct{}), stop: make(chan struct{}), served: make(chan struct{})}, nil
}

// Addr implements conn.Server.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Engine names the reference engine.
func (s *Server) Engine() conn.Engine { return "reference" }

// Stats reports no loops: the reference engine has none, and keeps no
// counters. The suite's statistics behaviours skip it for that reason.
func (s *Server) Stats() conn.Stats { return conn.Stats{Engine: s.Engine()} }

var _ conn.Shutdowner = (*Server)(nil)

// Shutdown implements conn.Shutdowner.
func (s *Server) Shutdown(ctx context.Context) error {
	s.drainOnce.Do(func() {
		close(s.drain)
		s.cfg.Logger.Info("netloop: drain started", zap.String("engine", "reference"))
	})
	if !s.serving.Load() {
		return nil // Serve returns at once
	}
	select {
	case <-s.served:
		return nil
	case <-ctx.Done():
		s.stopOnce.Do(func() { close(s.stop) })
		<-s.served
		return ctx.Err()
	}
}

// Serve implements conn.Server.
func (s *Server) Serve(ctx context.Context, h conn.Handler) error {
	s.serving.Store(true)
	defer close(s.served)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[*rconn]bool{}
	)
	l := newLoop(h)
	shut := false
	// adopt serves nc, accepted or dialled, with h; false once the
	// server is shutting down.
	adopt := func(nc net.Conn, h conn.Handler) bool {
		c := newConn(nc, h, l, s.cfg)
		c.b = &s.b
		mu.Lock()
		if shut {
			mu.Unlock()
			nc.Close()
			return false
		}
		conns[c] = true
		wg.Add(1)
		mu.Unlock()
		s.b.mu.Lock()
		s.b.conns[c] = true
		s.b.mu.Unlock()
		go func() {
			defer wg.Done()
			c.run()
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			s.b.mu.Lock()
			delete(s.b.conns, c)
			s.b.mu.Unlock()
		}()
		return true
	}
	l.adopt = adopt
	l.dialTimeout = s.cfg.DialTimeout
	l.dialOnly = s.client
	l.start()
	if s.started != nil {
		s.started(l)
	}
	accepted := make(chan struct{})
	if s.ln == nil || s.stoppedBeforeServe(ctx) { // nothing to accept
		close(accepted)
	} else {
		go s.accept(accepted, adopt, h)
	}
	select {
	case <-ctx.Done():
	case <-s.drain:
	}
	// Dials in progress end first, with ErrServerClosed, while the loop
	// still runs their OnClose.
	l.qmu.Lock()
	l.dialsOff = true
	l.qmu.Unlock()
	close(l.stopDials)
	l.dials.Wait()
	if s.ln != nil {
		s.ln.Close()
	}
	<-accepted
	if ctx.Err() == nil { // a graceful shutdown: tell each, then wait
		mu.Lock()
		for c := range conns {
			c.post(event{kind: evDrain})
		}
		mu.Unlock()
		all := make(chan struct{})
		go func() { wg.Wait(); close(all) }()
		select {
		case <-all:
		case <-ctx.Done():
		case <-s.stop:
		}
	}
	mu.Lock()
	shut = true
	for c := range conns {
		c.post(event{kind: evShutdown})
	}
	mu.Unlock()
	wg.Wait()
	l.stop()
	return nil
}

// stoppedBeforeServe reports whether Shutdown, or the end of ctx, came
// before Serve: then Serve opens no connection (conn.Shutdowner), and
// those the kernel queued end when the listener closes.
func (s *Server) stoppedBeforeServe(ctx context.Context) bool {
	select {
	case <-s.drain:
		return true
	default:
		return ctx.Err() != nil
	}
}

// accept serves what ln accepts with adopt until ln is closed, then closes
// done.
func (s *Server) accept(done chan struct{}, adopt func(net.Conn, conn.Handler) bool, h conn.Handler) {
	defer close(done)
	backoff := time.Duration(0)
	for {
		nc, err := s.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil { // out of descriptors, say: wait, then retry
			backoff = min(max(2*backoff, 10*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		adopt(nc, h)
	}
}

type eventKind int

const (
	evData eventKind = iota
	evReadErr
	evWrite
	evWake
	evClose
	evAbort
	evShutdown
	evDrain
	evDone
	evWriterExit
)

type event struct {
	kind  eventKind
	data  []byte
	err   error
	done  func(conn.Conn, error)
	dones []func(conn.Conn, error)
}

type rconn struct {
	nc   net.Conn
	h    conn.Handler
	loop *rloop
	cfg  conn.Config

	idle, stall atomic.Int64 // read-idle and write-stall timeouts

	internal chan event    // from the reader, writer and timers
	signal   chan struct{} // something is in inbox
	quit     chan struct{} // closed when the connection has finished

	imu      sync.Mutex
	inbox    []event // from other goroutines
	finished bool

	// Loop goroutine only.
	in         []byte
	value      any
	closing    bool
	cause      error
	timer      *time.Timer
	closed     atomic.Bool
	closeAsked atomic.Bool
	dead       bool // OnClose has begun; guarded by loop.mu

	// Shared with the writer.
	mu        sync.Mutex
	cond      *sync.Cond
	out       []byte
	notes     []note
	queued    int
	writing   int  // bytes of the write in progress
	stopWrite bool // flush what is queued, then close the socket

	posted atomic.Int64 // AsyncWrite bytes (plus 64 each) not yet handled

	b    *budget
	held atomic.Int64 // bytes queued or unconsumed, for the budget
}

type note struct {
	end  int
	done func(conn.Conn, error)
}

var _ conn.Conn = (*rconn)(nil)

func newConn(nc net.Conn, h conn.Handler, l *rloop, cfg conn.Config) *rconn {
	c := &rconn{nc: nc, h: h, loop: l, cfg: cfg, internal: make(chan event), signal: make(chan struct{}, 1), quit: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	return c
}

// send delivers an event from the reader, writer or a timer to the loop.
func (c *rconn) send(ev event) bool {
	select {
	case c.internal <- ev:
		return true
	case <-c.quit:
		return false
	}
}

// post queues a request from any goroutine.
func (c *rconn) post(ev event) error {
	c.imu.Lock()
	if c.finished {
		c.imu.Unlock()
		return conn.ErrClosed
	}
	c.inbox = append(c.inbox, ev)
	c.imu.Unlock()
	select {
	case c.signal <- struct{}{}:
	default:
	}
	return nil
}

func (c *rconn) run() {
	writerDone := make(chan struct{})
	go c.reader()
	go func() { c.writer(); close(writerDone) }()
	c.safely(func() { c.h.OnOpen(c) })
	for !c.closed.Load() {
		select {
		case ev := <-c.internal:
			c.handle(ev)
		case <-c.signal:
			c.imu.Lock()
			batch := c.inbox
			c.inbox = nil
			c.imu.Unlock()
			for _, ev := range batch {
				c.handle(ev)
			}
		}
	}
	<-writerDone
}

func (c *rconn) handle(ev event) {
	switch ev.kind {
	case evData:
		if !c.closing && !c.closeAsked.Load() {
			c.safely(func() { c.deliver(ev.data) })
		}
	case evReadErr:
		if errors.Is(ev.err, io.EOF) {
			c.startClose(io.EOF)
		} else {
			c.abort(ev.err)
		}
	case evWrite:
		c.posted.Add(-(int64(len(ev.data)) + 64))
		if c.closing && c.stopping() {
			if ev.done != nil {
				c.safely(func() { ev.done(c, conn.ErrClosed) })
			}
			return
		}
		c.mu.Lock()
		c.out = append(c.out, ev.data...)
		c.queued += len(ev.data)
		if ev.done != nil {
			c.notes = append(c.notes, note{end: c.queued, done: ev.done})
		}
		c.cond.Broadcast()
		c.mu.Unlock()
		c.b.add(c, int64(len(ev.data)))
	case evWake:
		if w, ok := c.h.(conn.WakeHandler); ok {
			c.safely(func() { w.OnWake(c) })
		}
	case evClose:
		c.startClose(nil)
	case evAbort:
		c.abort(ev.err)
	case evShutdown:
		// Like an engine's last non-blocking flush: what the peer does
		// not take at once is dropped, so that a client that never reads
		// cannot hold the shutdown up.
		c.nc.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		if c.closing {
			c.cause = conn.ErrServerClosed // it did not finish in time
		}
		c.startClose(conn.ErrServerClosed)
	case evDrain:
		if d, ok := c.h.(conn.DrainHandler); ok && !c.closed.Load() {
			c.safely(func() { d.OnDrain(c) })
		}
	case evDone:
		for _, d := range ev.dones {
			c.safely(func() { d(c, ev.err) })
		}
	case evWriterExit:
		c.finish()
	}
}

func (c *rconn) stopping() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopWrite
}

func (c *rconn) deliver(data []byte) {
	in := append(c.in, data...)
	if len(in) > c.cfg.MaxInput {
		c.abort(conn.ErrInputTooLarge)
		return
	}
	c.b.add(c, int64(len(data)))
	n := c.h.OnData(c, in)
	if n < 0 || n > len(in) {
		c.abort(conn.ErrBadConsume)
		return
	}
	c.b.add(c, -int64(n))
	// Kept in place, not copied: a large frame awaited over many reads
	// would otherwise cost time quadratic in its size.
	c.in = in[n:]
	if len(c.in) == 0 {
		c.in = nil
	}
}

// safely runs a callback holding the loop's lock, turning a panic into
// closing the connection.
func (c *rconn) safely(f func()) {
	c.loop.mu.Lock()
	defer c.loop.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			c.abort(fmt.Errorf("%w: %v", conn.ErrHandlerPanic, r))
		}
	}()
	f()
}

// startClose flushes what is queued, then closes.
func (c *rconn) startClose(cause error) {
	if c.closing {
		return
	}
	c.closing, c.cause = true, cause
	c.mu.Lock()
	c.stopWrite = true
	c.cond.Broadcast()
	c.mu.Unlock()
}

// abort closes at once, dropping queued output.
func (c *rconn) abort(cause error) {
	if !c.closing {
		c.closing, c.cause = true, cause
	}
	c.mu.Lock()
	c.stopWrite = true
	c.out = nil
	c.cond.Broadcast()
	c.mu.Unlock()
	if tc, ok := c.nc.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.nc.Close()
}

func (c *rconn) finish() {
	c.closed.Store(true)
	c.b.add(c, -c.held.Load())
	if c.timer != nil {
		c.timer.Stop()
	}
	c.imu.Lock()
	c.finished = true
	late := c.inbox
	c.inbox = nil
	c.imu.Unlock()
	close(c.quit)
	c.mu.Lock()
	notes := c.notes
	c.notes = nil
	c.mu.Unlock()
	for _, n := range notes {
		c.safely(func() { n.done(c, conn.ErrClosed) })
	}
	for _, ev := range late {
		if ev.kind == evWrite && ev.done != nil {
			c.safely(func() { ev.done(c, conn.ErrClosed) })
		}
	}
	if c.cause == io.EOF && len(c.in) > 0 {
		c.cause = conn.ErrUnexpectedEOF // a frame cut short by the peer
	}
	c.safely(func() {
		c.dead = true
		c.loop.dropTimers(c)
		c.h.OnClose(c, c.cause)
	})
}

// reader reads until an error, pausing while output is over the mark.
func (c *rconn) reader() {
	buf := make([]byte, c.cfg.ReadBufferSize)
	for {
		c.mu.Lock()
		for len(c.out) > c.cfg.WriteHighWater && !c.stopWrite {
			c.cond.Wait()
		}
		c.mu.Unlock()
		if d := c.idle.Load(); d > 0 {
			c.nc.SetReadDeadline(time.Now().Add(time.Duration(d)))
		}
		n, err := c.nc.Read(buf)
		if n > 0 && !c.send(event{kind: evData, data: append([]byte(nil), buf[:n]...)}) {
			return
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if c.idle.Load() == 0 {
				continue // the timeout was removed meanwhile
			}
			err = conn.ErrReadIdle
		}
		if err != nil {
			c.send(event{kind: evReadErr, err: err})
			return
		}
	}
}

// writer writes queued output until told to stop, then closes the socket.
func (c *rconn) writer() {
	written := 0
	var err error
	for {
		c.mu.Lock()
		for len(c.out) == 0 && !c.stopWrite {
			c.cond.Wait()
		}
		b := c.out
		c.out = nil
		c.writing = len(b)
		stop := c.stopWrite && len(b) == 0
		c.cond.Broadcast()
		c.mu.Unlock()
		if stop || err != nil {
			break
		}
		var n int
		n, err = c.write(b)
		written += n
		c.b.add(c, -int64(n))
		c.mu.Lock()
		c.writing = 0
		var due []func(conn.Conn, error)
		for len(c.notes) > 0 && c.notes[0].end <= written {
			due = append(due, c.notes[0].done)
			c.notes = c.notes[1:]
		}
		c.mu.Unlock()
		if len(due) > 0 {
			c.send(event{kind: evDone, dones: due})
		}
		if err != nil {
			c.send(event{kind: evAbort, err: err})
		}
	}
	c.nc.Close()
	c.send(event{kind: evWriterExit})
}

// write writes b in chunks, each with a fresh deadline while a write-stall
// timeout is set, so that only a peer taking nothing for that long fails it.
func (c *rconn) write(b []byte) (int, error) {
	const chunk = 64 << 10
	n := 0
	for n < len(b) {
		p := b[n:min(len(b), n+chunk)]
		if d := c.stall.Load(); d > 0 {
			c.nc.SetWriteDeadline(time.Now().Add(time.Duration(d)))
		} else {
			c.nc.SetWriteDeadline(time.Time{})
		}
		m, err := c.nc.Write(p)
		n += m
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return n, conn.ErrWriteStall
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Write implements conn.Conn.
func (c *rconn) Write(p []byte) (int, error) {
	if c.closed.Load() {
		return 0, conn.ErrClosed
	}
	c.mu.Lock()
	c.out = append(c.out, p...)
	c.queued += len(p)
	c.cond.Broadcast()
	c.mu.Unlock()
	c.b.add(c, int64(len(p)))
	return len(p), nil
}

// Writev implements conn.Conn.
func (c *rconn) Writev(bufs [][]byte) (int, error) {
	n := 0
	for _, b := range bufs {
		m, err := c.Write(b)
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// SetDeadline implements conn.Conn.
func (c *rconn) SetDeadline(t time.Time) error {
	if c.closed.Load() {
		return conn.ErrClosed
	}
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	if !t.IsZero() {
		c.timer = time.AfterFunc(time.Until(t), func() {
			c.send(event{kind: evAbort, err: os.ErrDeadlineExceeded})
		})
	}
	return nil
}

// LocalAddr implements conn.Conn.
func (c *rconn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr implements conn.Conn.
func (c *rconn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// Context implements conn.Conn.
func (c *rconn) Context() any { return c.value }

// SetContext implements conn.Conn.
func (c *rconn) SetContext(v any) { c.value = v }

// AsyncWrite implements conn.Conn.
// AsyncWriteBuffer queues b's bytes and returns b to its pool once they
// are copied into the output (the engines do the same).
func (c *rconn) AsyncWriteBuffer(b *bytebufferpool.ByteBuffer) error {
	return c.AsyncWrite(b.B, func(conn.Conn, error) { bytebufferpool.Put(b) })
}

func (c *rconn) AsyncWrite(p []byte, done func(conn.Conn, error)) error {
	cost := int64(len(p)) + 64
	c.mu.Lock()
	before := c.posted.Add(cost) - cost + int64(len(c.out)+c.writing)
	c.mu.Unlock()
	if before > 0 && before+cost > int64(c.cfg.AsyncWriteLimit) {
		c.posted.Add(-cost)
		return conn.ErrWouldBlock
	}
	if err := c.post(event{kind: evWrite, data: p, done: done}); err != nil {
		c.posted.Add(-cost)
		return err
	}
	return nil
}

// Wake implements conn.Conn.
func (c *rconn) Wake() error { return c.post(event{kind: evWake}) }

// Close implements conn.Conn.
func (c *rconn) Close() error {
	if c.closed.Load() || c.closeAsked.Swap(true) {
		return nil
	}
	if err := c.post(event{kind: evClose}); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
