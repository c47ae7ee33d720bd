//go:build linux

package uring

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// RequiredOps are the opcodes a netloop proactor submits.
var RequiredOps = []uint8{OpNop, OpRead, OpSend, OpSendmsg, OpRecv, OpAccept, OpAsyncCancel, OpClose, OpShutdown}

// requiredFeatures are the feature bits a netloop proactor relies on:
// lossless CQ overflow, SQE arguments copied at submit, internal poll for
// sockets, and enter with a timeout argument.
const requiredFeatures = FeatSingleMmap | FeatNoDrop | FeatSubmitStable | FeatFastPoll | FeatExtArg

// SelfTest checks that this process may use io_uring the way a proactor
// does: it sets up a disabled ring, probes RequiredOps and
// requiredFeatures, registers a buffer ring, then enables the ring on a
// goroutine locked to its thread and arms a multishot receive on a
// socketpair, expecting one byte in a provided buffer with the request
// still armed, and cancels it. The probe says nothing about multishot or
// buffer rings, hence the round trip.
func SelfTest() error {
	r, err := NewDisabled(8, 16)
	if err != nil {
		return err
	}
	br, err := prepareSelfTest(r)
	if err != nil {
		r.Close()
		return err
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := runSelfTest(r, br)
		// The receive is finished either way (or the ring is broken and
		// about to close), so the group can go.
		if cerr := br.Close(r); err == nil {
			err = cerr
		}
		r.Close()
		done <- err
	}()
	return <-done
}

func prepareSelfTest(r *Ring) (*BufRing, error) {
	if missing := requiredFeatures &^ r.Features(); missing != 0 {
		return nil, fmt.Errorf("uring: kernel lacks features %#x", missing)
	}
	p, err := r.Probe()
	if err != nil {
		return nil, err
	}
	for _, op := range RequiredOps {
		if !p.Supports(op) {
			return nil, fmt.Errorf("uring: kernel lacks opcode %d", op)
		}
	}
	return r.NewBufRing(0, 2, 64)
}

func runSelfTest(r *Ring, br *BufRing) error {
	if err := r.Enable(); err != nil {
		return err
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("uring: self-test socketpair: %w", err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	return multishotRoundTrip(r, fds)
}

// multishotRoundTrip arms a multishot receive on fds[0], sends a byte on
// fds[1], and expects the byte with CQEFBuffer|CQEFMore; then it cancels the
// receive and waits for its final CQE.
func multishotRoundTrip(r *Ring, fds [2]int) error {
	const recvTag, cancelTag = 1, 2
	r.GetSQE().PrepRecvMultishot(fds[0], 0, recvTag)
	if _, err := r.Submit(); err != nil {
		return err
	}
	if _, err := unix.Write(fds[1], []byte{'x'}); err != nil {
		return fmt.Errorf("uring: self-test write: %w", err)
	}
	var cqes [4]CQE
	var got CQE
	if err := waitFor(r, cqes[:], recvTag, &got); err != nil {
		return err
	}
	if got.Res != 1 || got.Flags&(CQEFBuffer|CQEFMore) != CQEFBuffer|CQEFMore {
		return fmt.Errorf("uring: multishot receive self-test: res %d flags %#x", got.Res, got.Flags)
	}
	r.GetSQE().PrepCancel(recvTag, 0, cancelTag)
	for got.More() {
		if err := waitFor(r, cqes[:], recvTag, &got); err != nil {
			return err
		}
	}
	return nil
}

// waitFor submits and waits, up to a second, for a CQE with user data tag,
// dropping any other completion.
func waitFor(r *Ring, buf []CQE, tag uint64, got *CQE) error {
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if _, err := r.SubmitAndWait(1, time.Until(deadline)); err != nil {
			return err
		}
		n := r.PeekCQEs(buf)
		for _, c := range buf[:n] {
			if c.UserData == tag {
				*got = c
				return nil
			}
		}
	}
	return errors.New("uring: self-test timed out")
}
