//go:build linux

package reactor

import (
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop/internal/socket"
)

// TestSharedListenerWakesOneLoop has four pollers watch one Unix listener,
// as four loops do (each through its own duplicate), and connects once:
// one poller wakes, not all four (the thundering herd that EPOLLEXCLUSIVE
// prevents). Nobody accepts, so without it the readiness would stay and
// every waiter would report it.
func TestSharedListenerWakesOneLoop(t *testing.T) {
	const loops = 4
	path := filepath.Join(t.TempDir(), "s.sock")
	fds, _, err := socket.ListenUnix(path, loops)
	if err != nil {
		t.Fatal(err)
	}
	var woke atomic.Int32
	for _, fd := range fds {
		p, err := openPoller()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.add(fd, listenEvents); err != nil {
			t.Fatal(err)
		}
		go func() {
			events := make([]unix.EpollEvent, 4)
			for {
				n, err := unix.EpollWait(p.epfd, events, -1)
				if err == unix.EINTR {
					continue
				}
				for _, ev := range events[:max(n, 0)] {
					if int(ev.Fd) == fd {
						woke.Add(1)
						return
					}
				}
				if err != nil || n > 0 {
					return // closed by the cleanup, or woken for the eventfd
				}
			}
		}()
		t.Cleanup(func() { p.wake(); p.close(); unix.Close(fd) })
	}
	time.Sleep(50 * time.Millisecond) // every poller waiting
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for woke.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // time for any other waiter to wake too
	if n := woke.Load(); n != 1 {
		t.Errorf("one connection woke %d of %d pollers sharing the listener, want 1", n, loops)
	}
}
