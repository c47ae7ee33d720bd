//go:build linux

package goroutine

import (
	"context"
	"net"
	"testing"

	"github.com/netloop/netloop/conn"
)

// TestListenerFiles: the loops share one listener, handed over once, and
// a listener made from the file accepts on the server's address; once the
// accepts have stopped there is none to hand over.
func TestListenerFiles(t *testing.T) {
	s, err := Listen("127.0.0.1:0", conn.Config{Loops: 3})
	if err != nil {
		t.Fatal(err)
	}
	files, err := s.ListenerFiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("%d files, want 1 for the shared listener", len(files))
	}
	ln, err := net.FileListener(files[0])
	files[0].Close()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ln.Addr().String() != s.Addr().String() {
		t.Errorf("handed-over listener on %v, want %v", ln.Addr(), s.Addr())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, newProbe()) }()
	files, err = s.ListenerFiles() // served: asked on a loop
	if err != nil || len(files) != 1 {
		t.Fatalf("ListenerFiles while serving: %d files, %v", len(files), err)
	}
	files[0].Close()
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
