//go:build linux

package socket

import (
	"net"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// blockingDup duplicates fd onto a new descriptor
// without close-on-exec or O_NONBLOCK, as an inherited one may arrive.
func blockingDup(t *testing.T, fd int) int {
	t.Helper()
	nfd, err := unix.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.SetNonblock(nfd, false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(nfd) })
	return nfd
}

// withInherited makes list the process's inherited listeners for the
// test, restoring the real ones after.
func withInherited(t *testing.T, list []*Inherited) {
	t.Helper()
	loadInherited()
	inherited.mu.Lock()
	saved := inherited.list
	inherited.list = list
	inherited.mu.Unlock()
	t.Cleanup(func() {
		inherited.mu.Lock()
		inherited.list = saved
		inherited.mu.Unlock()
	})
}

func TestParseInherited(t *testing.T) {
	fds, addr, err := ListenReusePort("127.0.0.1:0", 2, false)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	// Two consecutive descriptors, as systemd passes them.
	first, err := unix.FcntlInt(uintptr(fds[0]), unix.F_DUPFD, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(first)
	second, err := unix.FcntlInt(uintptr(fds[1]), unix.F_DUPFD, first+1)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(second)
	if second != first+1 {
		t.Skipf("descriptor %d taken", first+1)
	}
	unix.SetNonblock(first, false)
	notListening, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(notListening)
	handed := blockingDup(t, fds[0])

	for _, tc := range []struct {
		name string
		env  map[string]string
		pid  int
		want []string // names of the adopted listeners, in order
	}{
		{"systemd", map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "web:admin"}, 42, []string{"web", "admin"}},
		{"systemd without names", map[string]string{"LISTEN_PID": "42", "LISTEN_FDS": "2"}, 42, []string{"", ""}},
		{"systemd, another process's", map[string]string{"LISTEN_PID": "41", "LISTEN_FDS": "2"}, 42, nil},
		{"handover", map[string]string{EnvListenFDs: strconv.Itoa(handed)}, 42, []string{""}},
		{"handover of a socket that does not listen", map[string]string{EnvListenFDs: strconv.Itoa(notListening)}, 42, nil},
		{"nothing", map[string]string{}, 42, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseInherited(func(k string) string { return tc.env[k] }, tc.pid, first)
			if len(got) != len(tc.want) {
				t.Fatalf("adopted %d listeners, want %d", len(got), len(tc.want))
			}
			for i, in := range got {
				if in.Name != tc.want[i] || in.Addr.Port != addr.Port {
					t.Errorf("listener %d: name %q on %v, want %q on port %d", i, in.Name, in.Addr, tc.want[i], addr.Port)
				}
				fl, _ := unix.FcntlInt(uintptr(in.FD), unix.F_GETFL, 0)
				fd, _ := unix.FcntlInt(uintptr(in.FD), unix.F_GETFD, 0)
				if fl&unix.O_NONBLOCK == 0 || fd&unix.FD_CLOEXEC == 0 {
					t.Errorf("listener %d: not set non-blocking and close-on-exec", i)
				}
			}
		})
	}
}

// TestListenTakesInherited: a listen on an inherited listener's address
// serves it (all of its group) without binding, which the
// exclusive-listen check would refuse, since the listeners hold the
// address; a port-0 listen on the same host takes them too; once taken,
// they are not given twice.
func TestListenTakesInherited(t *testing.T) {
	for _, ask := range []string{"", "127.0.0.1:0"} {
		fds, addr, err := ListenReusePort("127.0.0.1:0", 3, false)
		if err != nil {
			t.Fatal(err)
		}
		var list []*Inherited
		for _, fd := range fds {
			defer unix.Close(fd)
			list = append(list, &Inherited{FD: fd, Addr: addr})
		}
		withInherited(t, list)
		if ask == "" {
			ask = addr.String()
		}
		got, bound, err := ListenReusePort(ask, 1, false)
		if err != nil {
			t.Fatalf("listen %s: %v", ask, err)
		}
		if len(got) != 3 || got[0] != fds[0] || got[2] != fds[2] || bound.Port != addr.Port {
			t.Errorf("listen %s: %v on %v, want the inherited %v on %v", ask, got, bound, fds, addr)
		}
		if len(InheritedListeners()) != 0 {
			t.Errorf("inherited listeners still offered once taken")
		}
		c, err := net.DialTimeout("tcp", bound.String(), time.Second)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		c.Close()
		if _, _, err := ListenReusePort(addr.String(), 1, false); err == nil {
			t.Errorf("second listen on %v succeeded; the address is held", addr)
		}
	}
}

func TestTakeInherited(t *testing.T) {
	fds, addr, err := ListenReusePort("127.0.0.1:0", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	withInherited(t, []*Inherited{{FD: fds[0], Addr: addr}})
	if got, _, err := TakeInherited("127.0.0.2:0"); err != nil || got != nil {
		t.Errorf("TakeInherited on another host = %v, %v; want none", got, err)
	}
	got, bound, err := TakeInherited(addr.String())
	if err != nil || len(got) != 1 || got[0] != fds[0] || bound.Port != addr.Port {
		t.Errorf("TakeInherited(%v) = %v, %v, %v", addr, got, bound, err)
	}
	if got, _, _ := TakeInherited(addr.String()); got != nil {
		t.Errorf("taken twice: %v", got)
	}
}
