//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestHAProxyRestarts is the zero-downtime test of issue 13: HAProxy in
// mode tcp with health checks and the PROXY protocol in front of two
// httplite processes, Go clients sending keep-alive requests through it
// for 10 s while backend 1 is upgraded in place (SIGHUP: a new process
// takes over the same listening sockets) and backend 2 is taken out of
// HAProxy's rotation, drained with SIGTERM, started again and put back,
// as a deploy script does. No request may fail, no connection be reset,
// every response must be complete, and /whoami from 127.0.0.2 must
// answer 127.0.0.2 afterwards. Once with send-proxy-v2 (proactor), once
// with send-proxy (reactor).
func TestHAProxyRestarts(t *testing.T) {
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("haproxy not installed (apt-get install haproxy); skipping the zero-downtime integration test")
	}
	if testing.Short() {
		t.Skip("a 10 s load run per PROXY version: not in -short")
	}
	// Upgraded children are orphaned when their parent exits; as the
	// subreaper, the test can reap them, by PID, when it ends.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("prctl PR_SET_CHILD_SUBREAPER: %v", err)
	}
	bin := buildHTTPLite(t)
	for _, tc := range []struct{ send, engine string }{
		{"send-proxy-v2", "proactor"},
		{"send-proxy", "reactor"},
	} {
		t.Run(tc.send+"/"+tc.engine, func(t *testing.T) {
			testRestarts(t, haproxy, bin, tc.send, tc.engine)
		})
	}
}

func testRestarts(t *testing.T, haproxy, bin, send, engine string) {
	b1 := startBackend(t, bin, engine, "127.0.0.1:0", "-proxy-protocol")
	b2 := startBackend(t, bin, engine, "127.0.0.1:0", "-proxy-protocol")
	front, stats := runHAProxy2(t, haproxy, send, b1.addr, b2.addr)
	waitUp(t, stats, "s1", "s2")

	ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	load := startLoad(ctx, front, 8, 4)

	// Backend 1: upgraded in place, 2 s in.
	sleepCtx(ctx, 2*time.Second)
	oldPID := b1.pid()
	b1.signal(t, syscall.SIGHUP)
	newPID := b1.waitNewPID(t, oldPID)
	b1.waitExit(t, oldPID)
	t.Logf("backend 1 upgraded: process %d took over from %d", newPID, oldPID)

	// Backend 2: out of rotation, drained, started again, back in.
	sleepCtx(ctx, time.Second)
	haproxyCmd(t, stats, "set server be/s2 state drain")
	b2.signal(t, syscall.SIGTERM)
	b2.waitExit(t, b2.pid())
	b2 = startBackend(t, bin, engine, b2.addr, "-proxy-protocol")
	haproxyCmd(t, stats, "set server be/s2 state ready")
	waitUp(t, stats, "s2")
	t.Logf("backend 2 drained and started again as process %d", b2.pid())

	<-ctx.Done()
	res := load.wait()
	t.Logf("%s/%s: %d requests in 10 s (%d of them slow uploads answered), %d failed (%d resets), %d incomplete",
		send, engine, res.ok+res.failed, res.uploads, res.failed, res.resets, res.incomplete)
	if res.failed != 0 || res.resets != 0 || res.incomplete != 0 || res.ok == 0 {
		t.Errorf("want every request answered in full; first error: %v", res.firstErr)
	}
	for i := range 4 { // both backends, by round robin
		body, client, err := whoamiFrom(t, "127.0.0.2", front, "")
		if err != nil || body != client {
			t.Errorf("GET /whoami %d through HAProxy from %s = %q, %v", i, client, body, err)
		}
	}
}

// buildHTTPLite builds this command into a temporary directory: an
// upgrade re-executes the binary, which must be httplite, not the test.
func buildHTTPLite(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "httplite")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// backend is one httplite process and those that upgrades put in its
// place, all writing to one pipe.
type backend struct {
	addr   string
	mu     sync.Mutex
	pids   []int // in the order they listened
	listen chan int
	exited map[int]chan struct{}
	out    strings.Builder
	seen   int // of out, by waitOutput
}

var listeningRE = regexp.MustCompile(`httplite listening\s+\{"addr": "([^"]+)", "pid": (\d+)`)

// startBackend starts httplite on addr, with extra flags, and waits until it listens. Every process of the backend is killed, by
// its PID, when the test ends.
func startBackend(t *testing.T, bin, engine, addr string, extra ...string) *backend {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-addr", addr, "-engine", engine, "-loops", "2",
		"-shutdown-grace", "5s", "-upgrade-timeout", "5s", "-idle-timeout", "30s"}, extra...)
	p := exec.Command(bin, args...)
	p.Stdout, p.Stderr = w, w
	// Should the test binary die before its cleanups run (a timeout, a
	// kill), the backend goes with it instead of staying on its port.
	p.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	b := &backend{listen: make(chan int, 4), exited: map[int]chan struct{}{}}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := sc.Text()
			b.mu.Lock()
			b.out.WriteString(line + "\n")
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				pid, _ := strconv.Atoi(m[2])
				b.addr = m[1]
				b.pids = append(b.pids, pid)
				b.mu.Unlock()
				b.listen <- pid
				continue
			}
			b.mu.Unlock()
		}
	}()
	b.track(p.Process.Pid)
	t.Cleanup(func() {
		b.mu.Lock()
		pids := append([]int(nil), b.pids...)
		b.mu.Unlock()
		for _, pid := range pids {
			b.kill(pid)
		}
		if t.Failed() {
			b.mu.Lock()
			t.Logf("backend %s output:\n%s", b.addr, b.out.String())
			b.mu.Unlock()
		}
	})
	select {
	case <-b.listen:
	case <-time.After(10 * time.Second):
		t.Fatal("httplite did not start")
	}
	return b
}

// track reaps pid (our child, or an orphan of ours, as subreaper) and
// closes its exited channel. An upgraded process is its parent's child
// until that parent exits, and only then ours: until it is, Wait4 says
// ECHILD, and track waits for it to become ours (or to be gone) rather than
// take that for an exit, which would leave it running after the test.
func (b *backend) track(pid int) {
	ch := make(chan struct{})
	b.mu.Lock()
	b.exited[pid] = ch
	b.mu.Unlock()
	go func() {
		var ws unix.WaitStatus
		for {
			_, err := unix.Wait4(pid, &ws, 0, nil)
			if err == unix.ECHILD && unix.Kill(pid, 0) == nil {
				time.Sleep(10 * time.Millisecond) // still its parent's
				continue
			}
			if err != unix.EINTR {
				break
			}
		}
		close(ch)
	}()
}

func (b *backend) kill(pid int) {
	b.mu.Lock()
	ch := b.exited[pid]
	b.mu.Unlock()
	select {
	case <-ch:
		return
	default:
	}
	unix.Kill(pid, unix.SIGKILL) // a process this test started (or its upgrade)
	if ch != nil {
		<-ch
	}
}

func (b *backend) pid() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pids[len(b.pids)-1]
}

func (b *backend) signal(t *testing.T, s syscall.Signal) {
	t.Helper()
	if err := unix.Kill(b.pid(), s); err != nil {
		t.Fatal(err)
	}
}

// waitNewPID waits for the process an upgrade started to listen.
func (b *backend) waitNewPID(t *testing.T, old int) int {
	t.Helper()
	select {
	case pid := <-b.listen:
		if pid == old {
			t.Fatalf("upgrade: process %d listened again", pid)
		}
		b.track(pid)
		return pid
	case <-time.After(10 * time.Second):
		t.Fatal("no upgraded process within 10 s")
		return 0
	}
}

func (b *backend) waitExit(t *testing.T, pid int) {
	t.Helper()
	b.mu.Lock()
	ch := b.exited[pid]
	b.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("process %d did not exit within 10 s", pid)
	}
}

// runHAProxy2 starts HAProxy in front of two backends with round robin,
// health checks every 100 ms and redispatching retries, and returns its
// frontend address and stats socket. It is killed when the test ends.
func runHAProxy2(t *testing.T, bin, send, b1, b2 string) (front, stats string) {
	t.Helper()
	dir := t.TempDir()
	front = freePort(t)
	stats = filepath.Join(dir, "stats.sock")
	cfg := fmt.Sprintf(`global
	stats socket %s mode 600 level admin
defaults
	mode tcp
	timeout connect 2s
	timeout client 30s
	timeout server 30s
	retries 3
	option redispatch 1
frontend fe
	bind %s
	default_backend be
backend be
	balance roundrobin
	server s1 %s %s check inter 100ms fall 2 rise 1
	server s2 %s %s check inter 100ms fall 2 rise 1
`, stats, front, b1, send, b2, send)
	startHAProxy(t, bin, filepath.Join(dir, "haproxy.cfg"), cfg, 60*time.Second)
	return front, stats
}

// waitUp waits, at most 10 s, until HAProxy reports each named server of
// backend be up after a passed health check.
func waitUp(t *testing.T, stats string, servers ...string) {
	t.Helper()
	for _, s := range servers {
		deadline := time.Now().Add(10 * time.Second)
		for {
			line := statLine(stats, "be,"+s+",")
			f := strings.Split(line, ",")
			if len(f) > 36 && f[17] == "UP" && strings.HasPrefix(f[36], "L4OK") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("server %s not up within 10 s; last stat: %q", s, line)
			}
			time.Sleep(50 * time.Millisecond) // polling HAProxy, which cannot notify us
		}
	}
}

// haproxyCmd sends one command to HAProxy's stats socket.
func haproxyCmd(t *testing.T, sock, cmd string) {
	t.Helper()
	c, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	io.WriteString(c, cmd+"\n")
	if b, _ := io.ReadAll(c); strings.TrimSpace(string(b)) != "" {
		t.Fatalf("haproxy %q: %s", cmd, b)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

type loadResult struct {
	ok, failed, resets, incomplete int64
	uploads                        int64 // of ok, slow uploads
	firstErr                       error
}

type load struct {
	wg  sync.WaitGroup
	res loadResult
	mu  sync.Mutex
}

// startLoad runs n clients sending GET / with keep-alive through front
// until ctx ends, and slow clients sending POST /echo uploads that take
// about 300 ms each, one fresh connection per upload. Go's client retries
// an idempotent request once when the server closes a kept-alive
// connection under it, as browsers do: that is the contract the drain
// relies on for idle connections. An upload on a fresh connection is never
// retried: cut by a restart, it fails, so it is what shows that a drain
// finishes the requests in progress (a hard stop instead fails this test).
func startLoad(ctx context.Context, front string, n, slow int) *load {
	l := &load{}
	tr := &http.Transport{MaxIdleConnsPerHost: n, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext}
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	uploader := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext}}
	var ok, failed, resets, incomplete, uploads atomic.Int64
	for i := range n + slow {
		l.wg.Go(func() {
			for ctx.Err() == nil {
				var err error
				if i < n {
					err = getOnce(client, "http://"+front+"/")
				} else {
					err = uploadOnce(uploader, "http://"+front+"/echo")
				}
				switch {
				case err == nil:
					ok.Add(1)
					if i >= n {
						uploads.Add(1)
					}
					continue
				case errors.Is(err, errIncomplete):
					incomplete.Add(1)
				case errors.Is(err, syscall.ECONNRESET):
					resets.Add(1)
				}
				failed.Add(1)
				l.mu.Lock()
				if l.res.firstErr == nil {
					l.res.firstErr = err
				}
				l.mu.Unlock()
			}
		})
	}
	l.wg.Go(func() {
		<-ctx.Done()
		l.mu.Lock()
		defer l.mu.Unlock()
		l.res.ok, l.res.failed, l.res.resets, l.res.incomplete = ok.Load(), failed.Load(), resets.Load(), incomplete.Load()
		l.res.uploads = uploads.Load()
	})
	return l
}

func (l *load) wait() loadResult {
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.res
}

var errIncomplete = errors.New("incomplete response")

func getOnce(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%w: %w", errIncomplete, err)
	}
	if resp.StatusCode != 200 || string(b) != string(helloBody) {
		return fmt.Errorf("%w: status %d, body %q", errIncomplete, resp.StatusCode, b)
	}
	return nil
}

// TestUpgradeFailureKeepsServing: SIGHUP with the binary replaced by one
// that cannot run, one that exits at once, and one that never becomes
// ready: each upgrade fails, and the same process goes on serving.
func TestUpgradeFailureKeepsServing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command: not in -short")
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("prctl PR_SET_CHILD_SUBREAPER: %v", err)
	}
	bin := buildHTTPLite(t)
	b := startBackend(t, bin, "auto", "127.0.0.1:0", "-upgrade-timeout", "500ms")
	pid := b.pid()
	for _, tc := range []struct{ name, binary, want string }{
		{"not an executable", "\x00\x01garbage", "exec format error"},
		{"exits before ready", "#!/bin/sh\nexit 3\n", "exited before it was ready"},
		{"never ready", "#!/bin/sh\nexec sleep 30\n", "not ready within -upgrade-timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Replaced as a deploy does: a new file renamed over the old.
			tmp := bin + ".new"
			if err := os.WriteFile(tmp, []byte(tc.binary), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, bin); err != nil {
				t.Fatal(err)
			}
			b.signal(t, syscall.SIGHUP)
			b.waitOutput(t, "upgrade failed; still serving", tc.want)
			if got := b.pid(); got != pid {
				t.Fatalf("process %d listens now, want %d still", got, pid)
			}
			if err := getOnce(http.DefaultClient, "http://"+b.addr+"/"); err != nil {
				t.Errorf("after a failed upgrade: %v", err)
			}
		})
	}
}

// waitOutput waits, at most 10 s, for a line of output holding every one
// of subs; lines are consumed, so each wait sees only later ones.
func (b *backend) waitOutput(t *testing.T, subs ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.mu.Lock()
		out := b.out.String()[b.seen:]
		for _, line := range strings.SplitAfter(out, "\n") {
			if !strings.HasSuffix(line, "\n") {
				break
			}
			b.seen += len(line)
			all := true
			for _, s := range subs {
				all = all && strings.Contains(line, s)
			}
			if all {
				b.mu.Unlock()
				return
			}
		}
		b.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no output line with %q within 10 s", subs)
		}
		time.Sleep(10 * time.Millisecond) // polling the process's output
	}
}

// slowBody is an upload of 10 chunks of 100 bytes, 30 ms apart.
type slowBody struct{ sent int }

func (b *slowBody) Read(p []byte) (int, error) {
	if b.sent == 1000 {
		return 0, io.EOF
	}
	if b.sent > 0 {
		time.Sleep(30 * time.Millisecond) // the client's pace, not synchronisation
	}
	n := copy(p[:min(len(p), 100)], uploadChunk)
	b.sent += n
	return n, nil
}

var uploadChunk = []byte(strings.Repeat("0123456789", 10))

func uploadOnce(client *http.Client, url string) error {
	req, err := http.NewRequest("POST", url, &slowBody{})
	if err != nil {
		return err
	}
	req.ContentLength = 1000
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%w: %w", errIncomplete, err)
	}
	if resp.StatusCode != 200 || string(b) != strings.Repeat(string(uploadChunk), 10) {
		return fmt.Errorf("%w: upload: status %d, %d bytes back", errIncomplete, resp.StatusCode, len(b))
	}
	return nil
}
