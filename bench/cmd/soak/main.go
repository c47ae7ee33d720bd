// Command soak runs netloop under mixed load for a while, as issue 9 asks:
// the load generator on examples/echo and keep-alive HTTP clients on
// examples/httplite (the well-behaved clients), beside a few clients that
// flood echo and never read and a few that trickle HTTP headers byte by
// byte. It starts both servers as child processes, samples their RSS and
// descriptors every few seconds, and at the end reports the well-behaved
// clients' errors and whether RSS and descriptors stayed flat after the
// warm-up. It is a bench command, not a test: run it by hand, e.g.
//
//	go build -o /tmp/echo ../examples/echo && go build -o /tmp/httplite ../examples/httplite
//	go run ./cmd/soak -echo /tmp/echo -httplite /tmp/httplite -engine proactor -duration 10m
package main

import (
	"bufio"
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

	"github.com/netloop/netloop/bench/loadgen"
)

func main() {
	var (
		echoBin  = flag.String("echo", "", "examples/echo binary")
		httpBin  = flag.String("httplite", "", "examples/httplite binary")
		engine   = flag.String("engine", "reactor", "engine of both servers")
		duration = flag.Duration("duration", 10*time.Minute, "how long to run")
		warmup   = flag.Duration("warmup", 10*time.Second, "run before RSS and descriptors are taken as the baseline")
		every    = flag.Duration("every", 5*time.Second, "sampling period")
		flooders = flag.Int("flooders", 4, "never-reading clients flooding echo")
		slow     = flag.Int("slow", 4, "clients trickling HTTP headers a byte at a time")
		httpc    = flag.Int("http", 16, "keep-alive HTTP clients")
	)
	flag.Parse()
	log.SetFlags(0)
	if *echoBin == "" || *httpBin == "" {
		log.Fatal("soak: -echo and -httplite are required")
	}
	const echoAddr, httpAddr = "127.0.0.1:7451", "127.0.0.1:7452"
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	echo := start(*echoBin, "-engine", *engine, "-addr", echoAddr, "-idle-timeout", "30s")
	defer stop(echo)
	web := start(*httpBin, "-engine", *engine, "-addr", httpAddr, "-header-timeout", "5s")
	defer stop(web)
	waitAccepting(echoAddr)
	waitAccepting(httpAddr)

	var wg sync.WaitGroup
	var gen loadgen.Result
	var genErr error
	wg.Go(func() {
		gen, genErr = loadgen.Run(ctx, loadgen.Config{Addr: echoAddr, Conns: 50, Size: 512, Rate: 20000,
			Duration: *duration - *warmup - time.Second, Warmup: *warmup})
	})
	var httpOK, httpErr atomic.Int64
	for range *httpc {
		wg.Go(func() { httpClient(ctx, httpAddr, &httpOK, &httpErr) })
	}
	for range *flooders {
		wg.Go(func() { flood(ctx, echoAddr) })
	}
	var slowCycles atomic.Int64
	for range *slow {
		wg.Go(func() { trickle(ctx, httpAddr, &slowCycles) })
	}

	type sample struct{ rss, fds int }
	var base, last, peak [2]sample
	began := time.Now()
	tick := time.NewTicker(*every)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
		}
		for i, p := range []*exec.Cmd{echo, web} {
			s := sample{rss(p.Process.Pid), fds(p.Process.Pid)}
			if base[i] == (sample{}) && time.Since(began) >= *warmup {
				base[i] = s
			}
			last[i] = s
			peak[i].rss, peak[i].fds = max(peak[i].rss, s.rss), max(peak[i].fds, s.fds)
		}
		fmt.Printf("t=%3.0fs echo rss %6d KiB fds %5d | httplite rss %6d KiB fds %5d | http ok %d err %d | slow cycles %d\n",
			time.Since(began).Seconds(), last[0].rss, last[0].fds, last[1].rss, last[1].fds, httpOK.Load(), httpErr.Load(), slowCycles.Load())
	}
	wg.Wait()
	if genErr != nil {
		log.Printf("loadgen: %v", genErr)
	}
	fmt.Printf("echo loadgen: %v\n", gen)
	fmt.Printf("well-behaved errors: echo %d, http %d (of %d requests)\n", gen.Errors, httpErr.Load(), httpOK.Load()+httpErr.Load())
	for i, name := range []string{"echo", "httplite"} {
		fmt.Printf("%s: after warm-up rss %d KiB fds %d; at the end rss %d KiB fds %d; peak rss %d KiB fds %d\n",
			name, base[i].rss, base[i].fds, last[i].rss, last[i].fds, peak[i].rss, peak[i].fds)
	}
}

func start(bin string, args ...string) *exec.Cmd {
	c := exec.Command(bin, args...)
	c.Stdout, c.Stderr = io.Discard, io.Discard
	if err := c.Start(); err != nil {
		log.Fatal(err)
	}
	return c
}

func stop(c *exec.Cmd) {
	c.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.Process.Kill()
	}
}

func waitAccepting(addr string) {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			log.Fatalf("soak: nothing accepts on %s", addr)
		}
	}
}

// httpClient sends GET / over one keep-alive connection after another
// until ctx ends, counting good responses and errors.
func httpClient(ctx context.Context, addr string, ok, failed *atomic.Int64) {
	for ctx.Err() == nil {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			failed.Add(1)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		r := bufio.NewReader(c)
		for ctx.Err() == nil {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: soak\r\n\r\n"); err != nil {
				failed.Add(1)
				break
			}
			if err := readResponse(r); err != nil {
				if ctx.Err() == nil {
					failed.Add(1)
				}
				break
			}
			ok.Add(1)
		}
		c.Close()
	}
}

// readResponse reads one response with a Content-Length body and checks
// its status is 200.
func readResponse(r *bufio.Reader) error {
	status, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.Contains(status, " 200 ") {
		return fmt.Errorf("status %q", status)
	}
	n := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if line == "\r\n" {
			break
		}
		if k, v, found := strings.Cut(line, ":"); found && strings.EqualFold(k, "Content-Length") {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	_, err = r.Discard(n)
	return err
}

// flood sends to echo without reading until the server stops taking the
// bytes, holds the connection a while, and starts again.
func flood(ctx context.Context, addr string) {
	chunk := make([]byte, 64<<10)
	for ctx.Err() == nil {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for ctx.Err() == nil {
			c.SetWriteDeadline(time.Now().Add(2 * time.Second))
			if _, err := c.Write(chunk); err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
		c.Close()
	}
}

// trickle sends an HTTP request header a byte every 200 ms, the slowloris
// attack; the server's header timeout closes it, and it starts again.
func trickle(ctx context.Context, addr string, cycles *atomic.Int64) {
	req := "GET / HTTP/1.1\r\nHost: soak\r\nX-Slow: " + strings.Repeat("a", 1000) + "\r\n\r\n"
	for ctx.Err() == nil {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for i := 0; i < len(req) && ctx.Err() == nil; i++ {
			if _, err := c.Write([]byte{req[i]}); err != nil {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		c.Close()
		cycles.Add(1)
	}
}

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

func fds(pid int) int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(ents)
}
