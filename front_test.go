package netloop_test

import (
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/netloop/netloop"
)

// TestServerReportsEngine: a server says which engine runs it, auto
// resolved to the one this system allows.
func TestServerReportsEngine(t *testing.T) {
	for _, e := range append([]netloop.Engine{netloop.EngineAuto}, engines...) {
		s, err := netloop.Listen("127.0.0.1:0", netloop.Config{Engine: e, Loops: 1})
		if errors.Is(err, errors.ErrUnsupported) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s.Serve(ctx, echoHandler{})
		if got, want := s.Engine(), netloop.Chosen(e); got != want || got == netloop.EngineAuto {
			t.Errorf("Listen with %v: Engine() = %v, want %v", e, got, want)
		}
	}
}

// TestListenFailureIsNil: a failed Listen returns a nil Server, not an
// interface holding a nil pointer that would pass a s != nil check.
func TestListenFailureIsNil(t *testing.T) {
	first := startEcho(t, netloop.EngineReactor, 1)
	for _, e := range engines {
		s, err := netloop.Listen(first, netloop.Config{Engine: e, Loops: 1})
		if !errors.Is(err, syscall.EADDRINUSE) && !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("%v on a taken address: %v, want EADDRINUSE", e, err)
		}
		if s != nil {
			t.Errorf("%v: failed Listen returned a non-nil Server %#v", e, s)
		}
	}
}
