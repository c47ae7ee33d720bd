//go:build linux

package reactor

// The loop uses these functions of poller_linux.go:
//
//	openPoller()        an epoll instance with a wake-up eventfd in its set
//	p.add(fd, events)   start watching fd; p.mod(fd, events) changes what
//	p.wait(evs, msec)   block until events or msec (-1: forever); EINTR is no error
//	p.wake()            make a wait return, from any goroutine
//	p.drainWake()       reset the eventfd after a wake-up
//	p.close()           release both descriptors
//
// Sockets are watched level-triggered: a connection that still has input
// after one read (the read buffer was full) is simply reported again by the
// next wait, after every other ready connection had its turn.

import (
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
	"github.com/netloop/netloop/internal/socket"
)

// maxIov bounds the blocks one writev hands the kernel: 64 blocks are up to
// 4 MiB, more than a socket buffer takes at once, and well below IOV_MAX
// (1024).
const maxIov = 64

// acceptBatch bounds the connections accepted per wake-up, so that a burst
// of new clients cannot starve the established ones.
const acceptBatch = 128

// Accept back-off after the process runs out of descriptors or memory.
const (
	minAcceptBackoff = 10 * time.Millisecond
	maxAcceptBackoff = time.Second
)

type loop struct {
	engine.Loop
	id  int
	h   conn.Handler
	log *zap.Logger
	p   *poller

	locked bool // the goroutine holds its thread (BatchScheduling), so it must not Yield

	lnfd   int
	lnaddr net.Addr

	// The addresses accept and getsockname fill in, reused for every
	// connection so that accepting allocates none (socket.Accept).
	peer, sockname unix.RawSockaddrAny

	buf    []byte                 // the read buffer, shared by all connections
	vec    [][]byte               // a connection's pending blocks, for writev
	iov    []unix.Iovec           // vec as the kernel reads it
	events []unix.EpollEvent      // filled by wait
	conns  engine.Table[*tcpConn] // indexed by file descriptor
	cur    *tcpConn               // whose callback runs, for panic recovery
	open   int                    // connections open

	acceptOff     bool      // listener removed from the poller
	acceptResume  time.Time // when to watch the listener again
	acceptBackoff time.Duration

	stopping atomic.Bool
}

// listenEvents is what a loop watches its listener for. Where the loops
// share one listening socket (a Unix socket, an inherited listener: each
// loop holds a duplicate), EPOLLEXCLUSIVE wakes one sleeping loop per new
// connection instead of every loop, of which all but one would find the
// queue empty. An exclusive watch cannot be modified, only deleted and
// added again, which is how a paused accept stops and resumes.
const listenEvents = unix.EPOLLIN | unix.EPOLLEXCLUSIVE

func newLoop(id, lnfd int, lnaddr net.Addr, cfg conn.Config) (*loop, error) {
	p, err := openPoller()
	if err != nil {
		return nil, err
	}
	if lnfd < 0 {
		// A client's loop (client.go): nothing to accept.
	} else if err := p.add(lnfd, listenEvents); err != nil {
		p.close()
		return nil, err
	}
	l := &loop{id: id, p: p, lnfd: lnfd, lnaddr: lnaddr, log: cfg.Logger}
	l.Init(cfg, p.wake)
	l.SetConnect(l.connect)
	l.SetFlush(func(c *engine.Core) { l.flush(c.Self().(*tcpConn)) })
	l.SetWriteNow(l.writeNow)
	l.SetAdopt(l.adopt, func(fd int) { unix.Close(fd) })
	l.SetListenAddr(lnaddr)
	l.buf = make([]byte, l.Config().ReadBufferSize)
	l.events = make([]unix.EpollEvent, 256)
	l.vec = make([][]byte, 0, maxIov)
	l.iov = make([]unix.Iovec, maxIov)
	return l, nil
}

// Run is the loop's goroutine. It leaves its OS thread free unless the
// thread is to run under SCHED_BATCH: the loop parks in the runtime's
// poller whenever it waits (see poller.wait), so that nothing ties it to
// one thread. A locked loop first waits briefly in the kernel.
func (l *loop) Run(h conn.Handler) error {
	if l.locked = l.Config().BatchScheduling; l.locked {
		defer engine.LockThread(true)()
	}
	l.p.briefFirst = l.locked
	l.h = h
	err := engine.Iterate(&l.stopping, l.iterate, l.recovered)
	l.shutdown()
	return err
}

// recovered logs a handler panic and ends the connection whose callback
// panicked; the loop goes on.
func (l *loop) recovered(r any) error {
	c := l.cur
	l.cur = nil
	l.log.Error("netloop: handler panic recovered", zap.Int("loop", l.id), zap.Any("panic", r), zap.StackSkip("stack", 2))
	if c != nil {
		l.closeNow(c, fmt.Errorf("%w: %v", conn.ErrHandlerPanic, r))
	}
	return nil
}

// Stop asks the loop to shut down; safe from any goroutine.
func (l *loop) Stop() {
	l.stopping.Store(true)
	l.p.wake()
}

// iterate waits once, handles what is ready, runs queued requests and
// expired deadlines, then flushes every connection written to.
func (l *loop) iterate() error {
	if !l.locked {
		l.Yield()
	}
	timeout := l.waitTimeout()
	if !l.PrepareSleep() {
		timeout = 0
	}
	n, err := l.p.wait(l.events, timeout)
	l.Woke()
	if err != nil {
		return err
	}
	for i := range n {
		ev := &l.events[i]
		switch fd := int(ev.Fd); fd {
		case l.p.wakefd:
			l.p.drainWake()
		case l.lnfd:
			l.accept()
		default:
			if c := l.conns.Get(fd); c != nil {
				l.ready(c, ev.Events)
			}
		}
	}
	l.runRequests()
	for _, c := range l.RunTimers() {
		l.closeNow(c.Self().(*tcpConn), c.TimedOut())
	}
	for _, c := range l.OverBudget() {
		l.closeNow(c.Self().(*tcpConn), conn.ErrMemoryBudget)
	}
	if l.acceptOff && !time.Now().Before(l.acceptResume) {
		l.resumeAccept()
	}
	l.FlushDirty()
	return nil
}

// runRequests carries out the current batch of requests from other
// goroutines.
func (l *loop) runRequests() {
	for r, ok := l.NextRequest(); ok; r, ok = l.NextRequest() {
		l.cur = r.Conn.Self().(*tcpConn) // only for panic recovery
		if c := l.Do(l.h, r); c != nil {
			l.markDirty(c.Self().(*tcpConn))
		}
		l.cur = nil
	}
}

// waitTimeout is how long the next wait may block: until the next deadline
// scan or accept retry, or forever.
func (l *loop) waitTimeout() int {
	t := l.WaitTimeout()
	if l.acceptOff {
		ms := int(time.Until(l.acceptResume)/time.Millisecond) + 1
		if t < 0 || ms < t {
			t = max(ms, 0)
		}
	}
	return t
}

func (l *loop) ready(c *tcpConn, ev uint32) {
	if c.Dialing() {
		l.connected(c)
		return
	}
	if ev&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 && len(c.Pending()) > 0 {
		l.flush(c)
		if c.Closed() {
			return
		}
	}
	if closing, _ := c.Closing(); closing || c.Paused() {
		return // not reading: the flush above settles it
	}
	if ev&(unix.EPOLLIN|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		l.read(c)
	}
}

func (l *loop) read(c *tcpConn) {
	n, err := rawRead(c.fd, l.buf)
	l.Stats().Reads++
	switch {
	case n > 0:
		l.cur = c
		mark := l.DirtyMark()
		err := c.Deliver(l.h, l.buf[:n])
		l.cur = nil
		if err != nil {
			l.closeNow(c, err)
			return
		}
		l.FlushAfter(&c.Core, mark)
	case n == 0 && err == nil:
		// The peer shut down its side. Replies it is still owed go out
		// first; then we close.
		l.cur = c
		c.PeerEOF(l.h)
		l.cur = nil
		l.markDirty(c)
	case err == unix.EAGAIN || err == unix.EINTR:
	default:
		l.closeNow(c, os.NewSyscallError("read", err))
	}
}

func (l *loop) markDirty(c *tcpConn) { l.MarkDirty(&c.Core) }

// flush writes c's pending output with one write (writev when it spans
// several blocks), then settles what the
// poller should watch: EPOLLIN unless closing or over the high-water mark,
// EPOLLOUT while output remains. A closing connection with nothing left to
// send is closed.
func (l *loop) flush(c *tcpConn) {
	if c.Buffered() > 0 {
		n, err := l.write(c)
		l.Stats().Writes++
		if n > 0 {
			l.cur = c
			c.Advance(n) // may run AsyncWrite completions
			l.cur = nil
		}
		if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			l.closeNow(c, os.NewSyscallError("write", err))
			return
		}
	}
	if c.WantShutdown() {
		unix.Shutdown(c.fd, unix.SHUT_WR) // a failure shows on the next read
		c.ShutdownDone()
	}
	closing, cause := c.Closing()
	pending := len(c.Pending()) > 0
	if closing && !pending {
		l.closeNow(c, cause)
		return
	}
	var want uint32
	if !closing && !c.OverHighWater() {
		want |= unix.EPOLLIN
	}
	if pending {
		want |= unix.EPOLLOUT
	}
	if want != c.events {
		if err := l.p.mod(c.fd, want); err != nil {
			l.closeNow(c, err)
			return
		}
		c.events = want
	}
}

// write hands c's pending output to the kernel: a plain write for one
// block, the common case, and a writev of up to maxIov blocks otherwise.
func (l *loop) write(c *tcpConn) (int, error) {
	if p := c.Pending(); len(p) == c.Buffered() {
		return rawWrite(c.fd, p)
	}
	vec := c.PendingVec(l.vec[:0])
	iov := l.iov[:len(vec)]
	for i, b := range vec {
		iov[i].Base = unsafe.SliceData(b)
		iov[i].SetLen(len(b))
	}
	n, err := rawWritev(c.fd, iov)
	// Drop the references, so sent blocks are only the pool's.
	clear(vec)
	clear(iov)
	return n, err
}

// writeNow writes p to c's socket at once, for engine.Core.Write: a large
// write with nothing queued before it goes out from the caller's bytes,
// with no copy into the queue.
func (l *loop) writeNow(core *engine.Core, p []byte) int {
	c := core.Self().(*tcpConn)
	if c.Dialing() {
		return 0
	}
	n, err := rawWrite(c.fd, p)
	l.Stats().Writes++
	if err != nil {
		return 0
	}
	return n
}

func (l *loop) accept() {
	for range acceptBatch {
		fd, err := socket.Accept(l.lnfd, &l.peer)
		switch {
		case err == nil:
			l.acceptBackoff = 0
			if !l.HandOff(fd) {
				l.opened(fd)
			}
		case err == unix.EAGAIN:
			return
		case socket.IsTemporaryAcceptError(err):
		default:
			l.Stats().AcceptErrors++
			l.pauseAccept(err)
			return
		}
	}
}

// pauseAccept stops watching the listener for a while: a level-triggered
// listener whose accept keeps failing (EMFILE) would otherwise spin the
// loop. Established connections are unaffected; pending ones wait in the
// kernel's queue.
func (l *loop) pauseAccept(err error) {
	l.acceptBackoff = min(max(2*l.acceptBackoff, minAcceptBackoff), maxAcceptBackoff)
	l.Stats().AcceptBackoffs++
	l.log.Warn("netloop: accept failed; pausing accept", zap.String("engine", "reactor"), zap.Int("loop", l.id),
		zap.Error(os.NewSyscallError("accept4", err)), zap.Duration("backoff", l.acceptBackoff))
	if err := l.p.del(l.lnfd); err != nil {
		l.log.Error("netloop: cannot pause listener", zap.Error(err))
	}
	l.acceptOff = true
	l.acceptResume = time.Now().Add(l.acceptBackoff)
}

func (l *loop) resumeAccept() {
	if err := l.p.add(l.lnfd, listenEvents); err != nil {
		l.log.Error("netloop: cannot resume listener", zap.Error(err))
		l.acceptResume = time.Now().Add(maxAcceptBackoff)
		return
	}
	l.acceptOff = false
	l.log.Info("netloop: accepting again", zap.String("engine", "reactor"), zap.Int("loop", l.id))
}

// opened sets up the connection just accepted as fd, whose peer's address
// is in l.peer.
func (l *loop) opened(fd int) {
	cfg := l.Config()
	if err := socket.SetOptions(fd, cfg.Nagle, cfg.KeepAlive); err != nil {
		unix.Close(fd) // reset before we opened it: nothing to report
		return
	}
	if err := l.p.add(fd, unix.EPOLLIN); err != nil {
		unix.Close(fd)
		l.log.Warn("netloop: cannot watch accepted connection", zap.Error(err))
		return
	}
	c := &tcpConn{fd: fd, events: unix.EPOLLIN}
	if remote, local, ok := socket.AcceptedAddrs(fd, l.lnaddr, &l.peer, &l.sockname); ok {
		c.InitAccepted(c, &l.Loop, remote, local)
	} else {
		local, remote := socket.AcceptedNetAddrs(fd, l.lnaddr, &l.peer, &l.sockname)
		c.Init(c, &l.Loop, local, remote)
	}
	l.conns.Set(fd, c)
	l.open++
	l.cur = c
	l.h.OnOpen(c)
	l.cur = nil
	l.markDirty(c)
}

// adopt serves fd, a connection another loop accepted on the listener they
// share (engine.HandOff), whose peer's address accept gave that loop.
func (l *loop) adopt(fd int) {
	if err := socket.Getpeername(fd, &l.peer); err != nil {
		unix.Close(fd) // reset on its way here: nothing to report
		return
	}
	l.opened(fd)
}

// closeNow closes c's socket without flushing and calls OnClose.
func (l *loop) closeNow(c *tcpConn, cause error) {
	if c.Closed() {
		return
	}
	l.conns.Set(c.fd, nil)
	l.open--
	unix.Close(c.fd) // also removes it from the epoll set
	c.Finish(l.h, cause)
}

// shutdown closes the listener, carries out a share of the requests queued
// before the stop, gives each connection one last non-blocking flush, and
// closes them all with ErrServerClosed before releasing the poller.
func (l *loop) shutdown() {
	l.RefuseRequests()
	l.closeListener()
	// One iteration's share of the requests queued before the stop is
	// carried out; the rest is dropped, failing its completions, so that
	// a backlog cannot hold the shutdown up.
	engine.Safely(l.runRequests, l.recovered)
	for l.HasRequests() {
		engine.Safely(l.DropRequests, l.recovered)
	}
	engine.Safely(l.FlushDirty, l.recovered)
	for fd := range l.conns.Len() {
		if c := l.conns.Get(fd); c != nil {
			engine.Safely(func() {
				l.flush(c)
				l.closeNow(c, conn.ErrServerClosed)
			}, l.recovered)
		}
	}
	l.p.close()
}
