// Package cmdtest runs an example command's server inside a test the way
// its main does, so each command's tests need only talk to it.
package cmdtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

// Engines are the -engine choices a command's tests cover.
var Engines = []conn.Engine{conn.EngineReactor, conn.EngineProactor, conn.EngineGoroutine, conn.EngineAuto}

// Start calls run, the body of a command's main, on its own goroutine and
// returns the address it listens on. When the test ends it cancels run's
// context, as SIGINT would, and fails the test if run then returns an error
// or takes more than 5 s. A forced proactor where io_uring is unavailable
// skips the test, saying why; any other failure to start fails it.
func Start(t testing.TB, e conn.Engine, run func(ctx context.Context, listening func(addr string)) error) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- run(ctx, func(a string) { addrc <- a }) }()
	select {
	case addr := <-addrc:
		t.Cleanup(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Error("run did not return within 5s of cancel")
			}
		})
		return addr
	case err := <-done:
		cancel()
		if e == conn.EngineProactor && errors.Is(err, conn.ErrUnsupported) {
			t.Skipf("engine %s unavailable: %v", e, err)
		}
		t.Fatalf("server did not start: %v", err)
		return ""
	}
}
