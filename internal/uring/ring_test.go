//go:build linux

package uring_test

import (
	"bytes"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/uring"
)

// newRing locks the test goroutine to its thread and sets up a ring there;
// cleanup closes the ring before unlocking.
func newRing(t *testing.T, sq, cq uint32) *uring.Ring {
	t.Helper()
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	r, err := uring.New(sq, cq)
	if err != nil {
		t.Skipf("io_uring unavailable: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

// reap waits, up to a bounded time, until want CQEs have arrived, and
// returns them.
func reap(t *testing.T, r *uring.Ring, want int) []uring.CQE {
	t.Helper()
	var got []uring.CQE
	buf := make([]uring.CQE, 64)
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < want {
		if time.Now().After(deadline) {
			t.Fatalf("got %d CQEs, want %d: %+v", len(got), want, got)
		}
		if _, err := r.SubmitAndWait(1, 100*time.Millisecond); err != nil {
			t.Fatalf("SubmitAndWait: %v", err)
		}
		n := r.PeekCQEs(buf)
		got = append(got, buf[:n]...)
	}
	return got
}

func socketpair(t *testing.T) [2]int {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds
}

func TestSetupFlags(t *testing.T) {
	r := newRing(t, 8, 0)
	if got := r.CQEntries(); got != 16 {
		t.Errorf("CQEntries = %d, want 16 (twice the SQ)", got)
	}
	if got := r.SQEntries(); got != 8 {
		t.Errorf("SQEntries = %d, want 8", got)
	}
	// The target kernel (6.18) accepts the whole set; a regression that
	// drops a flag silently would show here.
	want := uint32(uring.SetupSingleIssuer | uring.SetupDeferTaskrun | uring.SetupSubmitAll | uring.SetupNoSQArray)
	if got := r.SetupFlags(); got&want != want {
		t.Logf("setup flags %#x lack %#x (older kernel?)", got, want&^got)
	}
}

func TestNopRoundTrips(t *testing.T) {
	r := newRing(t, 8, 16)
	for round := range 3 {
		for i := range 8 {
			sqe := r.GetSQE()
			if sqe == nil {
				t.Fatalf("round %d: GetSQE %d returned nil with free slots", round, i)
			}
			sqe.PrepNop(uint64(round*100 + i))
		}
		if r.GetSQE() != nil {
			t.Fatal("GetSQE on a full SQ returned an entry")
		}
		n, err := r.Submit()
		if err != nil || n != 8 {
			t.Fatalf("Submit = %d, %v; want 8, nil", n, err)
		}
		seen := map[uint64]bool{}
		for _, c := range reap(t, r, 8) {
			if c.Res != 0 {
				t.Errorf("NOP res = %d", c.Res)
			}
			seen[c.UserData] = true
		}
		for i := range 8 {
			if !seen[uint64(round*100+i)] {
				t.Errorf("round %d: no CQE for NOP %d", round, i)
			}
		}
	}
}

func TestWaitTimeout(t *testing.T) {
	r := newRing(t, 4, 0)
	const timeout = 20 * time.Millisecond
	start := time.Now()
	if _, err := r.SubmitAndWait(1, timeout); err != nil {
		t.Fatalf("SubmitAndWait: %v", err)
	}
	if el := time.Since(start); el < timeout {
		t.Errorf("returned after %v, before the %v timeout", el, timeout)
	}
	if n := r.PeekCQEs(make([]uring.CQE, 4)); n != 0 {
		t.Errorf("%d CQEs appeared from nothing", n)
	}
}

func TestSendRecv(t *testing.T) {
	r := newRing(t, 8, 16)
	fds := socketpair(t)
	msg := []byte("hello, ring")
	in := make([]byte, 64)
	r.GetSQE().PrepSend(fds[1], msg, 0, 1)
	r.GetSQE().PrepRead(fds[0], in, 2)
	cqes := reap(t, r, 2)
	for _, c := range cqes {
		if c.Res != int32(len(msg)) {
			t.Errorf("op %d: res = %d, want %d", c.UserData, c.Res, len(msg))
		}
	}
	if !bytes.Equal(in[:len(msg)], msg) {
		t.Errorf("read %q, want %q", in[:len(msg)], msg)
	}
	runtime.KeepAlive(msg)
	runtime.KeepAlive(in)
}

func TestSendmsg(t *testing.T) {
	r := newRing(t, 8, 16)
	fds := socketpair(t)
	a, b := []byte("abc"), []byte("defg")
	iov := []unix.Iovec{{Base: &a[0]}, {Base: &b[0]}}
	iov[0].SetLen(len(a))
	iov[1].SetLen(len(b))
	msg := &unix.Msghdr{Iov: &iov[0]}
	msg.SetIovlen(len(iov))
	r.GetSQE().PrepSendmsg(fds[1], msg, 0, 1)
	if c := reap(t, r, 1)[0]; c.Res != 7 {
		t.Fatalf("sendmsg res = %d, want 7", c.Res)
	}
	got := make([]byte, 16)
	n, err := unix.Read(fds[0], got)
	if err != nil || string(got[:n]) != "abcdefg" {
		t.Fatalf("read %q, %v; want abcdefg", got[:n], err)
	}
	runtime.KeepAlive(msg)
	runtime.KeepAlive(iov)
}

// TestMultishotRecvBufferExhaustion drains a 4 x 64 B buffer ring with a
// larger message: four full buffers with CQEFMore, then ENOBUFS ending the
// multishot; after recycling and re-arming, the rest arrives.
func TestMultishotRecvBufferExhaustion(t *testing.T) {
	r := newRing(t, 8, 64)
	br, err := r.NewBufRing(3, 4, 64)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { br.Close(r) })
	fds := socketpair(t)
	msg := bytes.Repeat([]byte("0123456789abcdef"), 20) // 320 bytes
	if _, err := unix.Write(fds[1], msg); err != nil {
		t.Fatal(err)
	}
	var got []byte
	arm := func() { r.GetSQE().PrepRecvMultishot(fds[0], br.Group(), 7) }
	arm()
	cqes := reap(t, r, 5)
	for i, c := range cqes[:4] {
		bid, ok := c.BufferID()
		if !ok || c.Res != 64 || !c.More() {
			t.Fatalf("CQE %d: res %d flags %#x, want 64 bytes in a buffer, still armed", i, c.Res, c.Flags)
		}
		got = append(got, br.Buf(bid, int(c.Res))...)
		br.Recycle(bid)
	}
	if c := cqes[4]; c.Res != -int32(unix.ENOBUFS) || c.More() {
		t.Fatalf("5th CQE: res %d flags %#x, want -ENOBUFS without CQEFMore", c.Res, c.Flags)
	}
	br.Publish()
	arm()
	for _, c := range reap(t, r, 1) {
		bid, ok := c.BufferID()
		if !ok || c.Res != 64 || !c.More() {
			t.Fatalf("after re-arm: res %d flags %#x", c.Res, c.Flags)
		}
		got = append(got, br.Buf(bid, int(c.Res))...)
		br.Recycle(bid)
	}
	br.Publish()
	if !bytes.Equal(got, msg[:len(got)]) || len(got) != 320 {
		t.Fatalf("received %d bytes %q, want the 320 sent", len(got), got)
	}
	// Cancel so that the group can be unregistered with nothing in flight.
	r.GetSQE().PrepCancel(7, uring.CancelAll, 8)
	reapUntilFinal(t, r, 7)
}

// reapUntilFinal reaps until the multishot request tag posts a CQE without
// CQEFMore.
func reapUntilFinal(t *testing.T, r *uring.Ring, tag uint64) {
	t.Helper()
	for i := 0; i < 100; i++ {
		for _, c := range reap(t, r, 1) {
			if c.UserData == tag && !c.More() {
				return
			}
		}
	}
	t.Fatalf("request %d never finished", tag)
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name      string
		prep      func(sqe *uring.SQE, fd int)
		wantFinal int32 // res of the cancel CQE
	}{
		{"by user data", func(sqe *uring.SQE, fd int) { sqe.PrepCancel(1, 0, 2) }, 0},
		{"by fd", func(sqe *uring.SQE, fd int) { sqe.PrepCancelFd(fd, uring.CancelAll, 2) }, 1},
		{"unknown user data", func(sqe *uring.SQE, fd int) { sqe.PrepCancel(99, 0, 2) }, -int32(unix.ENOENT)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRing(t, 8, 16)
			fds := socketpair(t)
			br, err := r.NewBufRing(1, 2, 64)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { br.Close(r) })
			r.GetSQE().PrepRecvMultishot(fds[0], br.Group(), 1)
			if _, err := r.Submit(); err != nil {
				t.Fatal(err)
			}
			tt.prep(r.GetSQE(), fds[0])
			cqes := reap(t, r, 1)
			if tt.wantFinal < 0 {
				if c := cqes[0]; c.UserData != 2 || c.Res != tt.wantFinal {
					t.Fatalf("cancel CQE %+v, want res %d", c, tt.wantFinal)
				}
				// Still armed: a byte arrives through it.
				unix.Write(fds[1], []byte{1})
				if c := reap(t, r, 1)[0]; c.UserData != 1 || c.Res != 1 || !c.More() {
					t.Fatalf("recv after failed cancel: %+v", c)
				}
				r.GetSQE().PrepCancel(1, 0, 3)
				reapUntilFinal(t, r, 1)
				return
			}
			if len(cqes) < 2 {
				cqes = append(cqes, reap(t, r, 1)...)
			}
			byTag := map[uint64]uring.CQE{}
			for _, c := range cqes {
				byTag[c.UserData] = c
			}
			if c := byTag[1]; c.Res != -int32(unix.ECANCELED) || c.More() {
				t.Errorf("recv CQE %+v, want -ECANCELED, final", c)
			}
			if c := byTag[2]; c.Res != tt.wantFinal {
				t.Errorf("cancel CQE res = %d, want %d", c.Res, tt.wantFinal)
			}
		})
	}
}

// TestCQOverflow completes three times more NOPs than the CQ holds without
// reaping; the kernel keeps the excess (NODROP), flags the overflow, and
// every completion arrives.
func TestCQOverflow(t *testing.T) {
	r := newRing(t, 8, 8)
	const total = 24
	for i := range total {
		sqe := r.GetSQE()
		if sqe == nil {
			if _, err := r.Submit(); err != nil {
				t.Fatal(err)
			}
			sqe = r.GetSQE()
		}
		sqe.PrepNop(uint64(i))
	}
	if _, err := r.Submit(); err != nil && !errors.Is(err, unix.EBUSY) {
		t.Fatal(err)
	}
	if !r.CQOverflowed() {
		t.Fatal("CQOverflowed = false with 24 completions for an 8-entry CQ")
	}
	seen := map[uint64]bool{}
	for _, c := range reap(t, r, total) {
		seen[c.UserData] = true
	}
	if len(seen) != total {
		t.Fatalf("saw %d distinct completions, want %d", len(seen), total)
	}
	if r.CQOverflowed() {
		t.Error("overflow flag still set after reaping everything")
	}
	if d := r.Dropped(); d != 0 {
		t.Errorf("kernel dropped %d completions", d)
	}
}

func TestProbe(t *testing.T) {
	r := newRing(t, 4, 0)
	p, err := r.Probe()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range uring.RequiredOps {
		if !p.Supports(op) {
			t.Errorf("opcode %d not supported", op)
		}
	}
	if p.Supports(255) {
		t.Error("opcode 255 reported as supported")
	}
}

func TestSelfTest(t *testing.T) {
	newRing(t, 4, 0) // skips where io_uring is unavailable
	if err := uring.SelfTest(); err != nil {
		t.Fatalf("SelfTest: %v", err)
	}
}

// TestOtherThread shows why a Ring must stay on the thread that created it:
// another thread's submit is refused (EINVAL or EBADF: the registered ring
// index means nothing or something else on that thread; EEXIST: a
// SINGLE_ISSUER ring), while the owner's goes through.
func TestOtherThread(t *testing.T) {
	r := newRing(t, 4, 0)
	r.GetSQE().PrepNop(1)
	errc := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		_, err := r.Submit()
		errc <- err
	}()
	switch err := <-errc; {
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.EBADF), errors.Is(err, unix.EEXIST):
	default:
		t.Fatalf("submit from another thread: %v, want EINVAL, EBADF or EEXIST", err)
	}
	if n, err := r.Submit(); n != 1 || err != nil {
		t.Fatalf("submit from the owner = %d, %v; want 1, nil", n, err)
	}
	reap(t, r, 1)
}

// TestBufRingTailWraps recycles buffers until the ring's 16-bit tail has
// wrapped around, and checks that receives keep finding buffers.
func TestBufRingTailWraps(t *testing.T) {
	r := newRing(t, 8, 64)
	br, err := r.NewBufRing(5, 4, 16)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { br.Close(r) })
	fds := socketpair(t)
	r.GetSQE().PrepRecvMultishot(fds[0], br.Group(), 9)
	const rounds = 1<<16 + 8
	for i := range rounds {
		if _, err := unix.Write(fds[1], []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		c := reap(t, r, 1)[0]
		bid, ok := c.BufferID()
		if !ok || c.Res != 1 || !c.More() {
			t.Fatalf("round %d: res %d flags %#x, want 1 byte in a buffer, still armed", i, c.Res, c.Flags)
		}
		if got := br.Buf(bid, 1)[0]; got != byte(i) {
			t.Fatalf("round %d: got byte %d", i, got)
		}
		br.Recycle(bid)
		br.Publish()
	}
	r.GetSQE().PrepCancel(9, 0, 10)
	reapUntilFinal(t, r, 9)
}

// TestBufRingOffersFewHotBuffers checks that a ring offers only as many
// buffers as receives need: a thousand receives, each handed back before the
// next, use no more than the initial offer of a 256-buffer ring's buffers;
// and a shortage, after Grow, is met from the buffers not yet offered.
func TestBufRingOffersFewHotBuffers(t *testing.T) {
	r := newRing(t, 8, 256)
	br, err := r.NewBufRing(6, 256, 16)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { br.Close(r) })
	fds := socketpair(t)
	r.GetSQE().PrepRecvMultishot(fds[0], br.Group(), 11)
	used := map[uint16]bool{}
	for i := range 1000 {
		if _, err := unix.Write(fds[1], []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		c := reap(t, r, 1)[0]
		bid, ok := c.BufferID()
		if !ok || c.Res != 1 {
			t.Fatalf("round %d: res %d flags %#x, want 1 byte in a buffer", i, c.Res, c.Flags)
		}
		used[bid] = true
		br.Recycle(bid)
		br.Publish()
	}
	if len(used) > 64 {
		t.Errorf("1,000 receives one at a time used %d buffers, want at most the 64 first offered", len(used))
	}

	// Hold every buffer the ring offers: the next receive finds none.
	var held []uint16
	for i := 0; ; i++ {
		if _, err := unix.Write(fds[1], []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		c := reap(t, r, 1)[0]
		if c.Res == -int32(unix.ENOBUFS) {
			break
		}
		bid, ok := c.BufferID()
		if !ok || i > 256 {
			t.Fatalf("receive %d: res %d flags %#x", i, c.Res, c.Flags)
		}
		held = append(held, bid)
	}
	if len(held) != 64 {
		t.Errorf("the ring ran dry after %d buffers, want 64 offered", len(held))
	}
	br.Grow()
	br.Publish()
	r.GetSQE().PrepRecvMultishot(fds[0], br.Group(), 12)
	c := reap(t, r, 1)[0] // the byte that found no buffer is still in the socket
	if bid, ok := c.BufferID(); !ok || c.Res != 1 || slices.Contains(held, bid) {
		t.Fatalf("after Grow: res %d flags %#x, buffer %d (held: %v)", c.Res, c.Flags, bid, held)
	}
	r.GetSQE().PrepCancel(12, 0, 13)
	reapUntilFinal(t, r, 12)
}

// TestEnableOnAnotherThread sets up a disabled ring and registers a buffer
// ring on one thread, then enables and uses it on another, as a server
// does when Listen allocates rings that its loops' threads run.
func TestEnableOnAnotherThread(t *testing.T) {
	r, err := uring.NewDisabled(8, 16)
	if err != nil {
		t.Skipf("io_uring unavailable: %v", err)
	}
	br, err := r.NewBufRing(2, 4, 64)
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer r.Close()
		defer br.Close(r)
		if err := r.Enable(); err != nil {
			t.Errorf("Enable: %v", err)
			return
		}
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer unix.Close(fds[0])
		defer unix.Close(fds[1])
		r.GetSQE().PrepRecvMultishot(fds[0], br.Group(), 1)
		r.Submit()
		unix.Write(fds[1], []byte("hi"))
		if _, err := r.SubmitAndWait(1, 5*time.Second); err != nil {
			t.Errorf("SubmitAndWait: %v", err)
			return
		}
		var cqes [4]uring.CQE
		if n := r.PeekCQEs(cqes[:]); n != 1 || cqes[0].Res != 2 {
			t.Errorf("got %d CQEs %+v, want one with 2 bytes", n, cqes[:n])
		}
		r.GetSQE().PrepCancel(1, 0, 2)
		for i := 0; i < 10; i++ {
			r.SubmitAndWait(1, time.Second)
			n := r.PeekCQEs(cqes[:])
			for _, c := range cqes[:n] {
				if c.UserData == 1 && !c.More() {
					return
				}
			}
		}
		t.Error("the receive never finished")
	}()
	<-done
}
