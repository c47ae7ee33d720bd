//go:build linux

package main

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSystemdSocketActivation runs httplite under systemd-socket-activate,
// which listens itself and starts the command on the first connection with
// the listening socket as descriptor 3 (LISTEN_FDS=1): httplite must serve
// that socket, not bind its own (the address is taken, so a bind would
// fail), and answer the connection that started it.
func TestSystemdSocketActivation(t *testing.T) {
	activate, err := exec.LookPath("systemd-socket-activate")
	if err != nil {
		t.Skip("systemd-socket-activate not installed (package systemd); skipping")
	}
	if testing.Short() {
		t.Skip("builds the command: not in -short")
	}
	bin := buildHTTPLite(t)
	addr := freePort(t)
	p := exec.Command(activate, "-l", addr, "--fdname=web", bin, "-addr", addr, "-loops", "2")
	stderr, err := p.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unix.Kill(p.Process.Pid, unix.SIGKILL) // ours: systemd-socket-activate execs httplite in place
		p.Wait()
	})
	lines := bufio.NewScanner(stderr)
	var out strings.Builder
	for lines.Scan() && !strings.Contains(lines.Text(), "Listening on") {
		out.WriteString(lines.Text() + "\n")
	}
	go func() {
		for lines.Scan() {
		}
	}()
	for i := range 3 {
		body, client, err := whoamiFrom(t, "127.0.0.2", addr, "")
		if err != nil || body != client {
			t.Fatalf("GET /whoami %d from %s = %q, %v; output so far:\n%s", i, client, body, err, out.String())
		}
	}
}
