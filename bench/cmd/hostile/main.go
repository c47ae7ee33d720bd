// Command hostile runs the hostile-load probes of issue 9 against netloop,
// each bounded in time. Except for stall, which serves in process, each
// probe starts the server command given after "--" as a child process (so
// that client and server have a descriptor limit each, and the server's
// RSS and exit time are its own), talks to it on -addr, and stops it.
//
//	hostile -probe stall -engine proactor -mib 10
//	hostile -probe post  -addr 127.0.0.1:7101 -mib 32 -- ./httplite -addr 127.0.0.1:7101 -max-body 67108864
//	hostile -probe watch -addr 127.0.0.1:7102 -- ./jobs -addr 127.0.0.1:7102
//	hostile -probe flood -addr 127.0.0.1:7103 -n 1000 -- ./echo -addr 127.0.0.1:7103
//	hostile -probe idle  -addr 127.0.0.1:7104 -n 19500 -- ./echo -addr 127.0.0.1:7104
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

func main() {
	var (
		probe  = flag.String("probe", "", "stall, post, watch, flood or idle")
		addr   = flag.String("addr", "127.0.0.1:7100", "the server's address")
		engine conn.Engine
		mib    = flag.Int("mib", 10, "stall, post: MiB to send")
		n      = flag.Int("n", 1000, "flood, idle: connections")
		limit  = flag.Duration("limit", 60*time.Second, "bound on the probe")
	)
	flag.Var(&engine, "engine", "stall: the engine")
	flag.Parse()
	log.SetFlags(0)
	ctx, cancel := context.WithTimeout(context.Background(), *limit)
	defer cancel()
	switch *probe {
	case "stall":
		stall(engine, *mib)
	case "post":
		withServer(ctx, *addr, func(*exec.Cmd) { post(*addr, *mib) })
	case "watch":
		withServer(ctx, *addr, func(s *exec.Cmd) { watch(*addr, s) })
	case "flood":
		withServer(ctx, *addr, func(s *exec.Cmd) { flood(*addr, *n, s) })
	case "idle":
		withServer(ctx, *addr, func(s *exec.Cmd) { idle(*addr, *n, s) })
	default:
		log.Fatalf("unknown probe %q", *probe)
	}
}

// withServer starts the command after "--", waits until it accepts on
// addr, runs f, and then stops it with SIGTERM (SIGKILL at the deadline)
// unless f did.
func withServer(ctx context.Context, addr string, f func(*exec.Cmd)) {
	args := flag.Args()
	if len(args) == 0 {
		log.Fatal("no server command after --")
	}
	s := exec.CommandContext(ctx, args[0], args[1:]...)
	s.Stderr = io.Discard
	s.Stdout = io.Discard
	s.WaitDelay = time.Second
	if err := s.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() {
		if s.ProcessState == nil {
			s.Process.Signal(syscall.SIGTERM)
			s.Wait()
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log.Fatalf("server not accepting on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	f(s)
}

// sigterm stops s and reports how long it took to exit.
func sigterm(s *exec.Cmd) time.Duration {
	start := time.Now()
	s.Process.Signal(syscall.SIGTERM)
	s.Wait()
	return time.Since(start)
}

// stall serves in process, on one loop, a handler that answers "go" with
// mib MiB in 4 KiB Writes, and reports how long those Writes held the loop,
// the worst round trip of a second client on the loop meanwhile, and the
// whole transfer.
func stall(e conn.Engine, mib int) {
	h := &staller{size: mib << 20}
	srv, err := netloop.Listen("127.0.0.1:0", netloop.Config{Engine: e, Loops: 1})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, h) }()
	defer func() { cancel(); <-done }()
	a := srv.Addr().String()
	bulk, _ := net.Dial("tcp", a)
	ping, _ := net.Dial("tcp", a)
	pingOnce(ping)
	start := time.Now()
	bulk.Write([]byte("go"))
	var worst time.Duration
	got := make(chan int64)
	go func() { n, _ := io.CopyN(io.Discard, bulk, int64(h.size)); got <- n }()
	var total int64
	for total == 0 {
		select {
		case total = <-got:
		default:
			worst = max(worst, pingOnce(ping))
		}
	}
	fmt.Printf("stall engine=%s size=%dMiB writes=%d: loop held by the Writes %v, worst ping beside %v, transfer %v (%d bytes)\n",
		netloop.Chosen(e), mib, h.size/4096, time.Duration(h.held.Load()), worst, time.Since(start), total)
}

func pingOnce(c net.Conn) time.Duration {
	start := time.Now()
	c.Write([]byte("p"))
	c.Read(make([]byte, 1))
	return time.Since(start)
}

type staller struct {
	size int
	held atomic.Int64
}

func (*staller) OnOpen(conn.Conn)         {}
func (*staller) OnClose(conn.Conn, error) {}
func (h *staller) OnData(c conn.Conn, in []byte) int {
	if string(in) != "go" {
		c.Write(in)
		return len(in)
	}
	start := time.Now()
	piece := make([]byte, 4096)
	for range h.size / len(piece) {
		c.Write(piece)
	}
	h.held.Store(int64(time.Since(start)))
	return len(in)
}

// post sends one POST /echo of mib MiB and times the response.
func post(addr string, mib int) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	size := mib << 20
	start := time.Now()
	go func() {
		fmt.Fprintf(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
		c.Write(make([]byte, size))
	}()
	r := bufio.NewReader(c)
	status, err := r.ReadString('\n')
	if err != nil {
		log.Fatalf("post: %v", err)
	}
	first := time.Since(start)
	length := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil || line == "\r\n" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	n, _ := io.CopyN(io.Discard, r, int64(length))
	fmt.Printf("post size=%dMiB: %s first response byte %v, whole response (%d body bytes) %v\n",
		mib, strings.TrimSpace(status), first, n, time.Since(start))
}

// watch floods a jobs server from one client (SUBMIT, then 65,536 WATCH
// of that job, never reading), times another client's STATUS meanwhile,
// then times the server's exit on SIGTERM.
func watch(addr string, s *exec.Cmd) {
	f, err := net.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, "SUBMIT x\n")
	go f.Write(bytes.Repeat([]byte("WATCH 1\n"), 65536))
	v, _ := net.Dial("tcp", addr)
	defer v.Close()
	r := bufio.NewReader(v)
	var worst time.Duration
	timeouts := 0
	for range 20 {
		start := time.Now()
		v.SetDeadline(start.Add(5 * time.Second))
		fmt.Fprintf(v, "STATUS 1\n")
		if _, err := r.ReadString('\n'); err != nil {
			timeouts++
			break
		}
		worst = max(worst, time.Since(start))
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("watch: victim STATUS worst %v, %d timed out (5 s); ", worst, timeouts)
	fmt.Printf("SIGTERM to exit %v\n", sigterm(s))
}

// flood opens n clients that send without end and never read, waits until
// all have stalled (a write makes no progress for a second), reads the
// server's RSS, then closes them.
func flood(addr string, n int, s *exec.Cmd) {
	var wg sync.WaitGroup
	var sent atomic.Int64
	chunk := make([]byte, 64<<10)
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			log.Fatalf("dial: %v", err)
		}
		conns = append(conns, c)
		wg.Go(func() {
			for {
				c.SetWriteDeadline(time.Now().Add(time.Second))
				k, err := c.Write(chunk)
				sent.Add(int64(k))
				if err != nil {
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	// A well-behaved client pings throughout, each ping bounded by 5 s.
	p, err := net.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	var worst time.Duration
	pings, lost := 0, 0
	peak := 0
	start := time.Now()
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		default:
		}
		t := time.Now()
		p.SetDeadline(t.Add(5 * time.Second))
		p.Write([]byte("p"))
		if _, err := p.Read(make([]byte, 1)); err != nil {
			lost++
		} else {
			pings++
			worst = max(worst, time.Since(t))
		}
		peak = max(peak, rss(s.Process.Pid))
		time.Sleep(50 * time.Millisecond)
	}
	// A flooder with nothing in its receive queue has had nothing echoed.
	starved := 0
	for _, c := range conns {
		if inq(c) == 0 {
			starved++
		}
	}
	fmt.Printf("flood n=%d: all stalled after %v, %d MiB sent, %d flooders had nothing echoed; server RSS %d MiB (peak seen %d MiB); well-behaved pings %d ok, %d lost, worst %v\n",
		n, time.Since(start).Round(time.Millisecond), sent.Load()>>20, starved, rss(s.Process.Pid)>>10, peak>>10, pings, lost, worst)
	for _, c := range conns {
		c.Close()
	}
}

// idle opens n idle connections, checks one echoes, then times the
// server's exit on SIGTERM.
func idle(addr string, n int, s *exec.Cmd) {
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			log.Fatalf("dial after %d: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	last := conns[len(conns)-1]
	last.SetDeadline(time.Now().Add(10 * time.Second))
	last.Write([]byte("x"))
	if _, err := last.Read(make([]byte, 1)); err != nil {
		log.Fatalf("echo on the last connection: %v", err)
	}
	fmt.Printf("idle n=%d: server RSS %d MiB; SIGTERM to exit %v\n", n, rss(s.Process.Pid)>>10, sigterm(s))
	for _, c := range conns {
		c.Close()
	}
}

// inq is the number of bytes waiting in c's receive queue.
func inq(c net.Conn) int {
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return -1
	}
	n := -1
	rc.Control(func(fd uintptr) { n, _ = unix.IoctlGetInt(int(fd), unix.SIOCINQ) })
	return n
}

// rss is a process's resident set in KiB, 0 if unknown.
func rss(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			k, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return k
		}
	}
	return 0
}
