package conntest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// The behaviours in this file are those of a server under hostile load:
// huge frames and replies, a goroutine flooding a connection with
// AsyncWrite, many clients that send and never read. Their time limits are
// seconds, far above what a linear, bounded engine needs on a slow machine
// and far below what a quadratic or unbounded one takes.

// frameSize is the frame of testLargeFrames: 32 MiB, which a server copying
// its queue on every append needed minutes for.
const frameSize = 32 << 20

// frameLimit bounds testLargeFrames' exchange; a linear engine needs well
// under a second.
const frameLimit = 15 * time.Second

// framer awaits a whole frame (a 4-byte big-endian length, then the body),
// consuming nothing until it is there, and answers with a frame of the same
// length written 4 KiB at a time.
type framer struct{ echo }

func (framer) OnData(c conn.Conn, in []byte) int {
	if len(in) < 4 {
		return 0
	}
	n := int(binary.BigEndian.Uint32(in))
	if len(in) < 4+n {
		return 0
	}
	c.Write(in[:4])
	body := in[4 : 4+n]
	for len(body) > 0 {
		k := min(len(body), 4096)
		c.Write(body[:k])
		body = body[k:]
	}
	return 4 + n
}

// testLargeFrames: a 32 MiB frame awaited whole, answered with 32 MiB in
// 4 KiB Writes, is exchanged in bounded time: the engine's buffers grow
// linearly with the bytes queued.
func testLargeFrames(t *testing.T, listen Listener) {
	s := serve(t, listen, conn.Config{Loops: 1, MaxInput: frameSize + 4}, record(t, framer{}))
	c := s.dial(t)
	c.SetDeadline(time.Now().Add(frameLimit))
	msg := make([]byte, 4+frameSize)
	binary.BigEndian.PutUint32(msg, frameSize)
	for i := range msg[4:] {
		msg[4+i] = byte(i % 253)
	}
	start := time.Now()
	go c.Write(msg) // the reply starts only once all of it is in
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("after %v: reading the %d MiB reply: %v (quadratic buffers?)", time.Since(start), frameSize>>20, err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("the reply differs from the frame")
	}
	t.Logf("%d MiB frame awaited and answered in 4 KiB Writes: %v", frameSize>>20, time.Since(start))
}

// testAsyncWriteFlood: goroutines AsyncWrite to a connection whose client
// never reads. AsyncWrite must soon fail with conn.ErrWouldBlock instead
// of queueing without bound, while a second client on the same loop is
// served with bounded latency; every accepted write's completion runs,
// at the latest when the server shuts down.
func testAsyncWriteFlood(t *testing.T, listen Listener) {
	const limit = 256 << 10
	ho := handOff{conns: make(chan conn.Conn, 2)}
	s := serve(t, listen, conn.Config{Loops: 1, AsyncWriteLimit: limit}, record(t, ho))
	s.dial(t) // the flooded client: never reads
	flooded := ho.next(t)
	victim := s.dial(t)
	ho.next(t)
	// The kernel's socket buffers take some before the queue builds.
	bound := int64(2*(sysctlMax(t, "tcp_rmem")+sysctlMax(t, "tcp_wmem")) + 2*limit)

	var accepted, completed, refused, before atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	piece := make([]byte, 4096)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := flooded.AsyncWrite(piece, func(conn.Conn, error) { completed.Add(1) })
				switch {
				case err == nil:
					if refused.Load() == 0 {
						before.Add(int64(len(piece)))
					}
					accepted.Add(1)
				case errors.Is(err, conn.ErrWouldBlock):
					refused.Add(1)
					firstErr.CompareAndSwap(nil, err)
					runtime.Gosched()
				default:
					t.Errorf("AsyncWrite: %v", err)
					return
				}
			}
		})
	}
	var worst time.Duration
	for range 50 {
		start := time.Now()
		roundTrip(t, victim, []byte("still served"))
		worst = max(worst, time.Since(start))
	}
	deadline := time.Now().Add(timeout)
	for refused.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling a counter, not synchronising
	}
	close(stop)
	wg.Wait()
	if refused.Load() == 0 {
		t.Fatalf("%d AsyncWrites of 4 KiB to a client that never reads were all accepted: no back-pressure", accepted.Load())
	}
	if err, _ := firstErr.Load().(error); !errors.Is(err, syscall.EAGAIN) {
		t.Errorf("AsyncWrite's refusal %v does not match syscall.EAGAIN", err)
	}
	if b := before.Load(); b > bound {
		t.Errorf("%d bytes accepted before the first refusal; the limit is %d (plus socket buffers, %d in all)", b, limit, bound)
	}
	if worst > 5*time.Second {
		t.Errorf("a round trip on the flooded loop took %v", worst)
	}
	t.Logf("accepted %d, refused %d; worst round trip beside the flood %v", accepted.Load(), refused.Load(), worst)
	s.stop(t)
	if a, c := accepted.Load(), completed.Load(); a != c {
		t.Errorf("%d AsyncWrites accepted, %d completions ran by the end of Serve", a, c)
	}
}

// testFlooders: 200 clients send as fast as they can and never read, to an
// echo server with a tight high-water mark. The server must stop reading
// from each soon after its output passes the mark, holding no more than
// the mark plus about a buffer per connection, and serve a well-behaved
// client throughout.
func testFlooders(t *testing.T, listen Listener) {
	const (
		flooders  = 200
		highWater = 16 << 10
		readBuf   = 16 << 10
		// What a connection may hold past the mark: the read that
		// crossed it and one more in flight, one partly filled block of
		// output, and a little for its own state.
		slack = 2*readBuf + 64<<10 + 16<<10
	)
	cfg := conn.Config{Loops: 2, WriteHighWater: highWater, ReadBufferSize: readBuf}
	s := serve(t, listen, cfg, record(t, echo{}))
	victim := s.dial(t)
	// Twice: sync.Pool keeps what it held through one collection.
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc

	var wg sync.WaitGroup
	chunk := make([]byte, 64<<10)
	for range flooders {
		c := dialSmallBuffers(t, s.addr)
		wg.Go(func() {
			for {
				// A write that makes no progress for a while: the
				// server has stopped reading.
				c.SetWriteDeadline(time.Now().Add(time.Second))
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var worst time.Duration
	for served := false; !served; {
		select {
		case <-done:
			served = true
		default:
		}
		start := time.Now()
		roundTrip(t, victim, []byte("still served"))
		worst = max(worst, time.Since(start))
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	held := int64(ms.HeapAlloc) - int64(base)
	bound := int64(flooders*(highWater+slack) + 16<<20)
	t.Logf("%d flooders stalled; heap grew %d KiB (bound %d KiB); worst round trip %v", flooders, held>>10, bound>>10, worst)
	if held > bound {
		t.Errorf("heap grew %d KiB with %d stalled flooders, want at most %d KiB (mark %d KiB + %d KiB each)",
			held>>10, flooders, bound>>10, highWater>>10, slack>>10)
	}
	if worst > 5*time.Second {
		t.Errorf("a round trip beside the flooders took %v", worst)
	}
}

// dialSmallBuffers connects with 16 KiB socket buffers, set before the
// handshake, so that a flooder stalls after little more than what the
// server holds: the loopback's autotuned buffers could otherwise soak up
// megabytes per connection.
func dialSmallBuffers(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	d := net.Dialer{Timeout: timeout, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			for _, opt := range []int{syscall.SO_RCVBUF, syscall.SO_SNDBUF} {
				if e := setsockoptInt(fd, syscall.SOL_SOCKET, opt, 16<<10); e != nil {
					serr = e
				}
			}
		})
		return errors.Join(err, serr)
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// amplifier answers each 'x' with 256 KiB and echoes anything else: a
// client sending x's and never reading makes its connection hold more and
// more output.
type amplifier struct{ echo }

func (amplifier) OnData(c conn.Conn, in []byte) int {
	for _, b := range in {
		if b == 'x' {
			c.Write(make([]byte, 256<<10))
		} else {
			c.Write([]byte{b})
		}
	}
	return len(in)
}

// testMemoryBudget: one client makes its connection hold more than the
// server's whole memory budget; that connection, and only that one, is
// closed with conn.ErrMemoryBudget, and the others go on being served.
func testMemoryBudget(t *testing.T, listen Listener) {
	const budget = 8 << 20
	h := record(t, amplifier{})
	s := serve(t, listen, conn.Config{Loops: 1, MemoryBudget: budget}, h)
	var good []net.Conn
	for range 3 {
		c := s.dial(t)
		roundTrip(t, c, []byte("hello"))
		good = append(good, c)
	}
	bad := dialSmallBuffers(t, s.addr)
	bad.Write(bytes.Repeat([]byte("x"), 2*budget/(256<<10))) // twice the budget
	expectCause(t, h.nextClose(t), conn.ErrMemoryBudget)
	for _, c := range good {
		if got := roundTrip(t, c, []byte("still here")); string(got) != "still here" {
			t.Fatalf("a well-behaved client got %q after the budget closed another", got)
		}
	}
	if n := h.stillOpen(); n != len(good) {
		t.Errorf("%d connections open, want the %d well-behaved ones", n, len(good))
	}
}
