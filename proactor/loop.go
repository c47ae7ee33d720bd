//go:build linux

package proactor

// The loop uses these functions of ring_linux.go and wake_linux.go:
//
//	openRing(size)           the ring and its provided-buffer ring; on the loop's locked thread
//	r.sqe()                  a free SQE, submitting queued ones first if the SQ is full
//	r.wait(block, t, batch)  submit, wait for a completion if block (t < 0: no limit), copy out completions
//	r.bufs.Buf/Recycle       the provided buffers; Publish hands recycled ones back
//	r.close()                release the ring; nothing may be in flight
//	newWaker(), w.wake()     an eventfd other goroutines write to interrupt a wait
//	w.prepRead(sqe, ud)      the read the loop keeps armed on it
//
// Every operation the loop submits is counted in inflight until its final
// completion (one without CQEFMore) has been reaped. A connection finishes —
// socket closed, OnClose called, slot freed — only once nothing of it is in
// flight, so the memory its operations reference outlives them.

import (
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/engine"
	"github.com/netloop/netloop/internal/uring"
)

// shutdownWait bounds how long a stopping loop waits for cancelled
// operations to complete; the kernel completes them promptly, so reaching it
// means a kernel bug, and the loop then logs and releases the ring anyway.
const shutdownWait = 10 * time.Second

type loop struct {
	engine.Loop
	id  int
	h   conn.Handler
	log *zap.Logger
	r   *ring
	w   *waker

	lnfd   int
	lnaddr net.Addr

	acceptArmed   bool
	acceptHeld    bool      // the drain waits for the cancelled accept's end (StopAccepting)
	acceptResume  time.Time // when to arm the accept again after a failure
	acceptBackoff time.Duration
	wakeArmed     bool

	conns  engine.Table[*tcpConn] // indexed by slot
	gens   engine.Table[uint32]   // each slot's generation, bumped when its connection finishes
	slots  int                    // slots made so far
	free   []uint32               // slots without a connection
	open   int                    // connections open
	cur    *tcpConn               // whose callback runs, for panic recovery
	curBuf int                    // the provided buffer the callback is reading, or -1

	batch    []uring.CQE // completions copied out of the ring
	next, n  int         // batch[next:n] are still to be handled
	inflight int         // operations submitted whose final completion is not reaped

	vecSends []*vecSend // sendmsg headers not in flight, for reuse

	// dialAddrs are the addresses of the connects in flight, by slot: the
	// kernel reads one by pointer until the connect's completion.
	dialAddrs map[uint32]*unix.RawSockaddrAny

	// The addresses getpeername and getsockname fill in, reused for every
	// accepted connection so that accepting allocates none.
	peer, sockname unix.RawSockaddrAny

	stopping atomic.Bool
	// For tests: inflight and open, published before each wait.
	statOps, statConns atomic.Int64
}

func newLoop(id, lnfd int, lnaddr net.Addr, cfg conn.Config) (*loop, error) {
	w, err := newWaker()
	if err != nil {
		return nil, err
	}
	r, err := openRing(cfg.WithDefaults().ReadBufferSize)
	if err != nil {
		w.close()
		return nil, err
	}
	l := &loop{id: id, r: r, w: w, lnfd: lnfd, lnaddr: lnaddr, log: cfg.Logger, curBuf: -1}
	l.Init(cfg, w.wake)
	l.SetConnect(l.connect)
	l.SetFlush(func(c *engine.Core) { l.flush(c.Self().(*tcpConn)) })
	l.SetAdopt(l.opened, func(fd int) { unix.Close(fd) })
	l.SetListenAddr(lnaddr)
	l.batch = make([]uring.CQE, shape.cqeBatch)
	return l, nil
}

// Run is the loop's goroutine. It locks its OS thread first and enables
// the ring there, which binds the ring to the thread as SINGLE_ISSUER and
// DEFER_TASKRUN require, and releases the ring before the thread is
// unlocked. After a handler panic the next iteration resumes the batch of
// completions where the panic cut it.
func (l *loop) Run(h conn.Handler) error {
	defer engine.LockThread(l.Config().BatchScheduling)()
	l.h = h
	if err := l.r.Enable(); err != nil {
		l.release()
		return err
	}
	if l.r.park = newParker(l.r); l.r.park != nil {
		l.w.wakeParked(l.r.park.fd)
	}
	err := engine.Iterate(&l.stopping, l.iterate, l.recovered)
	l.shutdown()
	return err
}

// recovered handles a panic in an iteration: a ring failure (fatalError)
// stops the loop; a handler panic ends only the connection whose callback
// panicked.
func (l *loop) recovered(r any) error {
	if f, ok := r.(fatalError); ok {
		return f.err
	}
	c := l.cur
	l.cur = nil
	if l.curBuf >= 0 {
		l.r.bufs.Recycle(uint16(l.curBuf))
		l.curBuf = -1
	}
	l.log.Error("netloop: handler panic recovered", zap.Int("loop", l.id), zap.Any("panic", r), zap.StackSkip("stack", 2))
	if c != nil {
		l.abort(c, fmt.Errorf("%w: %v", conn.ErrHandlerPanic, r))
	}
	return nil
}

// Stop asks the loop to shut down; safe from any goroutine.
func (l *loop) Stop() {
	l.stopping.Store(true)
	if err := l.w.wake(); err != nil {
		l.log.Error("netloop: cannot wake loop to stop it", zap.Int("loop", l.id), zap.Error(err))
	}
}

// iterate handles the completions of the last wait, runs queued requests
// and expired deadlines, flushes every connection touched, and waits.
func (l *loop) iterate() error {
	l.dispatch()
	// Recycled buffers go back in one store, after the whole batch.
	l.r.bufs.Publish()
	l.runRequests()
	for _, c := range l.RunTimers() {
		l.abort(c.Self().(*tcpConn), c.TimedOut())
	}
	for _, c := range l.OverBudget() {
		l.abort(c.Self().(*tcpConn), conn.ErrMemoryBudget)
	}
	l.FlushDirty()
	l.arm()
	return l.wait()
}

// runRequests carries out the current batch of requests other goroutines
// queued. engine.Loop keeps the place in the batch, so a panicking callback
// (OnWake, an AsyncWrite completion) loses none of the requests after it.
func (l *loop) runRequests() {
	for r, ok := l.NextRequest(); ok; r, ok = l.NextRequest() {
		l.cur = r.Conn.Self().(*tcpConn) // only for panic recovery
		if c := l.Do(l.h, r); c != nil {
			l.markDirty(c.Self().(*tcpConn))
		}
		l.cur = nil
	}
}

// wait submits everything prepared during the iteration and blocks until a
// completion arrives, a request is posted, or the next deadline scan or
// accept retry is due.
func (l *loop) wait() error {
	timeout := time.Duration(-1)
	if ms := l.WaitTimeout(); ms >= 0 {
		timeout = time.Duration(ms) * time.Millisecond
	}
	if !l.acceptArmed && !l.acceptResume.IsZero() {
		if t := max(time.Until(l.acceptResume), 0) + time.Millisecond; timeout < 0 || t < timeout {
			timeout = t
		}
	}
	// Completions the kernel parked after a CQ overflow come in with the
	// next enter; do not sleep before taking them.
	overflowed := l.r.CQOverflowed()
	if overflowed {
		rare.cqOverflows.Add(1)
	}
	block := l.PrepareSleep() && !overflowed
	l.statOps.Store(int64(l.inflight))
	l.statConns.Store(int64(l.open))
	n, err := l.r.wait(block, timeout, l.batch)
	l.Woke()
	l.next, l.n = 0, n
	return err
}

// arm keeps the loop-wide operations in flight: the accept (unless backing
// off) and the wake-up read.
func (l *loop) arm() {
	if !l.wakeArmed {
		l.w.prepRead(l.r.sqe(), userData(opWake, 0, 0))
		l.wakeArmed = true
		l.inflight++
	}
	if !l.acceptArmed && l.lnfd >= 0 && !time.Now().Before(l.acceptResume) {
		l.r.sqe().PrepAcceptMultishot(l.lnfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, userData(opAccept, 0, 0))
		l.acceptArmed = true
		if !l.acceptResume.IsZero() {
			l.log.Info("netloop: accepting again", zap.String("engine", "proactor"), zap.Int("loop", l.id))
			l.acceptResume = time.Time{}
		}
		l.inflight++
	}
}

// dispatch handles batch[next:n]. next moves before each completion is
// handled, so a panic in a callback loses none of the rest.
func (l *loop) dispatch() {
	for l.next < l.n {
		cqe := l.batch[l.next]
		l.next++
		l.complete(&cqe)
	}
}

func (l *loop) complete(cqe *uring.CQE) {
	if !cqe.More() {
		l.inflight--
	}
	kind, slot, gen := splitUserData(cqe.UserData)
	switch kind {
	case opAccept:
		l.accepted(cqe)
	case opWake:
		l.wakeArmed = false // re-armed before the next wait
	case opRecv, opSend, opConnect:
		c := l.lookup(slot, gen)
		switch {
		case c == nil:
			// Cannot happen while connections finish only when idle;
			// the generation check makes it harmless if it does.
			if bid, ok := cqe.BufferID(); ok {
				l.r.bufs.Recycle(bid)
			}
		case kind == opRecv:
			l.received(c, cqe)
		case kind == opConnect:
			l.connected(c, cqe)
		default:
			l.sent(c, cqe)
		}
	}
}

func (l *loop) lookup(slot, gen uint32) *tcpConn {
	c := l.conns.Get(int(slot))
	if c == nil || c.gen&genMask != gen {
		return nil
	}
	return c
}

func (l *loop) received(c *tcpConn, cqe *uring.CQE) {
	cancelled := c.recv == recvCancelling
	if !cqe.More() {
		c.recv = recvIdle // the flush re-arms it if still wanted
	}
	mark := l.DirtyMark()
	l.markDirty(c)
	bid, hasBuf := cqe.BufferID()
	l.Stats().Reads++
	switch closing, _ := c.Closing(); {
	case cqe.Res > 0 && !closing:
		l.cur, l.curBuf = c, int(bid)
		err := c.Deliver(l.h, l.r.bufs.Buf(bid, int(cqe.Res)))
		l.cur, l.curBuf = nil, -1
		if err != nil {
			l.abort(c, err)
			break
		}
		l.FlushAfter(&c.Core, mark)
	case cqe.Res == 0:
		// The peer shut down its side. Replies it is still owed go out
		// first; then we close.
		l.cur = c
		c.PeerEOF(l.h)
		l.cur = nil
	case errno(cqe) == unix.ENOBUFS:
		// The buffer ring ran dry, which ends the multishot; the flush
		// re-arms it after this batch's buffers are back.
		rare.recvNoBuffers.Add(1)
		l.Stats().BufferShortages++
		l.r.bufs.Grow()
	case cqe.Res > 0, errno(cqe) == unix.ECANCELED, cancelled && errno(cqe) == unix.EINTR:
		// Input after Close is dropped; our own cancel just ends the
		// multishot (with ECANCELED on 6.18; some kernels say EINTR).
	default:
		l.abort(c, os.NewSyscallError("recv", errno(cqe)))
	}
	if hasBuf {
		l.r.bufs.Recycle(bid)
	}
}

func (l *loop) sent(c *tcpConn, cqe *uring.CQE) {
	// The kernel is done with the bytes, the header and the iovecs.
	c.sending = false
	if c.vsend != nil {
		l.putVecSend(c.vsend)
		c.vsend = nil
	}
	l.markDirty(c)
	if cqe.Res < 0 {
		l.abort(c, os.NewSyscallError("send", errno(cqe)))
		return
	}
	// A short send leaves the rest pending; the flush sends it.
	l.cur = c
	c.Advance(int(cqe.Res)) // may run AsyncWrite completions
	l.cur = nil
}

func errno(cqe *uring.CQE) syscall.Errno { return syscall.Errno(-cqe.Res) }

func (l *loop) markDirty(c *tcpConn) { l.MarkDirty(&c.Core) }

// flush sends c's pending output with one send (a sendmsg of several
// iovecs when it spans several blocks) unless one is in flight, then
// settles the receive: armed unless closing or over the high-water mark. A
// closing connection is torn down once its output is out.
func (l *loop) flush(c *tcpConn) {
	if c.connecting {
		if closing, _ := c.Closing(); (closing || c.aborting) && !c.cancelled {
			l.cancelAll(c) // the connect's completion brings it back here
		}
		return
	}
	if !c.inSend() && !c.aborting && c.Buffered() > 0 {
		l.send(c)
	}
	if !c.inSend() && c.WantShutdown() {
		unix.Shutdown(c.fd, unix.SHUT_WR) // a failure shows on the next receive
		c.ShutdownDone()
	}
	if closing, _ := c.Closing(); closing || c.aborting {
		l.teardown(c)
		return
	}
	switch {
	case c.OverHighWater():
		if c.recv == recvArmed {
			l.cancelRecv(c) // until the peer drains; Advance then resumes
		}
	case c.recv == recvIdle:
		l.armRecv(c)
	}
}

// dispatchAll handles the rest of the batch even if callbacks panic: at
// shutdown every final completion must be counted, or the loop would wait
// for operations that are already over.
func (l *loop) dispatchAll() {
	for l.next < l.n {
		engine.Safely(l.dispatch, l.recovered)
	}
}

// shutdown carries out a share of the requests queued before the stop,
// aborts every connection (OnClose gets ErrServerClosed) and cancels the
// accept and the wake-up read, then reaps until nothing is in flight, and only then
// releases the ring: the kernel may write into buffers until the last
// completion.
func (l *loop) shutdown() {
	// Set even when the loop failed on its own, so that accept
	// completions still queued close their sockets instead of opening
	// connections nobody would close.
	l.stopping.Store(true)
	l.RefuseRequests()
	l.dispatchAll() // a batch cut short by a failure
	// One iteration's share of the requests queued before the stop is
	// carried out; the rest is dropped, failing its completions, so that
	// a backlog cannot hold the shutdown up.
	engine.Safely(l.runRequests, l.recovered)
	for l.HasRequests() {
		engine.Safely(l.DropRequests, l.recovered)
	}
	// Every connection's operations are cancelled here, in one pass
	// whose SQEs go to the kernel in full submission queues, not one
	// round trip per connection; see cancelAll for why by user_data.
	for slot := range l.slots {
		if c := l.conns.Get(slot); c != nil {
			l.abort(c, conn.ErrServerClosed)
			if !c.cancelled {
				l.cancelAll(c)
			}
		}
	}
	if l.acceptArmed {
		l.r.sqe().PrepCancel(userData(opAccept, 0, 0), 0, userData(opCancel, 0, 0))
		l.inflight++
	}
	if l.wakeArmed {
		l.r.sqe().PrepCancel(userData(opWake, 0, 0), 0, userData(opCancel, 0, 0))
		l.inflight++
	}
	deadline := time.Now().Add(shutdownWait)
	for {
		engine.Safely(l.FlushDirty, l.recovered)
		if l.inflight == 0 {
			break
		}
		if time.Now().After(deadline) {
			l.log.Error("netloop: operations still in flight at shutdown", zap.Int("loop", l.id), zap.Int("ops", l.inflight))
			break
		}
		// Ask for a whole batch, not one completion: with DEFER_TASKRUN
		// the kernel runs the cancellations' work only until the wait is
		// satisfied, so waiting for one completion at a time took
		// hundreds of enters for thousands of connections.
		want := min(l.inflight, len(l.batch))
		_, err := l.r.SubmitAndWait(uint32(want), time.Until(deadline))
		n := l.r.PeekCQEs(l.batch)
		if err != nil && !retryable(err) {
			l.log.Error("netloop: ring failed at shutdown", zap.Int("loop", l.id), zap.Error(err))
			break
		}
		l.next, l.n = 0, n
		l.dispatchAll()
	}
	l.statOps.Store(int64(l.inflight))
	l.statConns.Store(int64(l.open))
	l.release()
}

// release closes the listener, the ring and the waker. Nothing may be in
// flight.
func (l *loop) release() {
	if l.lnfd >= 0 {
		unix.Close(l.lnfd)
	}
	// The waker first: once it is closed no wake writes the parker's
	// eventfd, which closes with the ring.
	l.w.close()
	l.r.close()
}
