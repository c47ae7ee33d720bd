package main

import (
	"bufio"
	"bytes"
	"flag"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The probes measure how the server stands up to the abuse of issue 12, on
// each engine. They take about a minute and thousands of sockets, so they
// run only when asked:
//
//	go test ./examples/httplite -run Probe -probe -v
//
// or against a running server, as probe.sh does with the built command:
//
//	go test ./examples/httplite -run Probe -probe -probe-addr 127.0.0.1:8080 -v
var (
	probe     = flag.Bool("probe", false, "run the attack probes (about a minute, 4000 sockets)")
	probeAddr = flag.String("probe-addr", "", "probe the server at this address rather than one started per engine")
)

// probeEach runs test against a server made by mk on each engine, or once
// against -probe-addr when that is set (the server must then run with the
// settings mk describes).
func probeEach(t *testing.T, mk func() *server, test func(t *testing.T, name, addr string)) {
	if !*probe {
		t.Skip("a probe: run with -probe")
	}
	if *probeAddr != "" {
		t.Run("addr="+*probeAddr, func(t *testing.T) { test(t, *probeAddr, *probeAddr) })
		return
	}
	for _, e := range engines {
		t.Run("engine="+string(e), func(t *testing.T) { test(t, string(e), start(t, e, mk())) })
	}
}

// TestProbeSlowBody opens 2,000 connections that each send a complete
// header announcing a 1,000-byte body, then one body byte every 2 s, with
// the timeouts of the report (-idle-timeout 5s -header-timeout 3s)
// and -body-timeout 3s. Every read comes well within the idle timeout; the
// body timeout must close them all about 3 s after their header.
func TestProbeSlowBody(t *testing.T) {
	const (
		conns  = 2000
		body   = 3 * time.Second
		margin = time.Second
	)
	mk := func() *server {
		s := newServer(1<<20, 5*time.Second, 3*time.Second)
		s.bodyTimeout = body
		return s
	}
	probeEach(t, mk, func(t *testing.T, e, addr string) {
		took := make([]time.Duration, conns)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for i := range conns {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("dial %d: %v", i, err)
			}
			wg.Add(2)
			began := time.Now()
			io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nb")
			go func() { // the attacker's pace
				defer wg.Done()
				tick := time.NewTicker(2 * time.Second)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						if _, err := c.Write([]byte("b")); err != nil {
							return
						}
					}
				}
			}()
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetReadDeadline(began.Add(3 * body))
				io.Copy(io.Discard, c)
				took[i] = time.Since(began)
			}()
		}
		time.Sleep(3*body + 100*time.Millisecond) // the probe's bound, all readers are done by then
		close(stop)
		wg.Wait()
		within := 0
		for _, d := range took {
			if d <= body+margin {
				within++
			}
		}
		slices.Sort(took)
		t.Logf("%s: %d/%d slow-body connections closed within %v (body timeout %v + %v); first %v, median %v, max %v",
			e, within, conns, body+margin, body, margin,
			took[0].Round(time.Millisecond), took[conns/2].Round(time.Millisecond), took[conns-1].Round(time.Millisecond))
		if within != conns {
			t.Errorf("%d connections outlived the body timeout", conns-within)
			hist := map[time.Duration]int{}
			for _, d := range took {
				hist[d.Truncate(500*time.Millisecond)]++
			}
			t.Logf("closed after (500 ms buckets): %v", hist)
		}
	})
}

// TestProbeNULFlood sends 4 KiB of NUL bytes, no line feed, on each of 500
// connections at once and times the 400 that must come back at once, not
// after the 3 s header timeout.
func TestProbeNULFlood(t *testing.T) {
	const conns = 500
	flood := bytes.Repeat([]byte{0}, 4096)
	mk := func() *server { return newServer(1<<20, 5*time.Second, 3*time.Second) }
	probeEach(t, mk, func(t *testing.T, e, addr string) {
		// One client alone first: the latency of the answer itself.
		const tries = 10
		var alone []time.Duration
		answered := 0
		for range tries {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			began := time.Now()
			c.Write(flood)
			line, _ := bufio.NewReader(c).ReadString('\n')
			alone = append(alone, time.Since(began))
			c.Close()
			if line == "HTTP/1.1 400 Bad Request\r\n" {
				answered++
			}
		}
		slices.Sort(alone)
		t.Logf("%s: %d NUL floods of 4 KiB one after another, %d answered 400; latency median %v, max %v",
			e, tries, answered, alone[tries/2].Round(time.Microsecond), alone[tries-1].Round(time.Microsecond))
		if answered != tries {
			t.Errorf("%d of %d not answered 400", tries-answered, tries)
		}
		took := make([]time.Duration, conns)
		status := make([]string, conns)
		var wg sync.WaitGroup
		for i := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.Dial("tcp", addr)
				if err != nil {
					status[i] = err.Error()
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				began := time.Now()
				c.Write(flood)
				line, err := bufio.NewReader(c).ReadString('\n')
				took[i] = time.Since(began)
				status[i] = strings.TrimSpace(line)
				if err != nil {
					status[i] += " " + err.Error()
				}
			}()
		}
		wg.Wait()
		bad := 0
		for _, s := range status {
			if s != "HTTP/1.1 400 Bad Request" {
				bad++
			}
		}
		slices.Sort(took)
		t.Logf("%s: %d NUL floods of 4 KiB at once, %d answered %q; latency median %v, p99 %v, max %v",
			e, conns, conns-bad, "HTTP/1.1 400 Bad Request", took[conns/2].Round(time.Microsecond),
			took[conns*99/100].Round(time.Microsecond), took[conns-1].Round(time.Microsecond))
		if bad > 0 || took[conns-1] > time.Second {
			t.Errorf("%d not answered 400, slowest after %v", bad, took[conns-1])
		}
	})
}

// TestProbeCurl runs curl -sv with an oversized upload and an oversized
// header and checks that curl shows the 413 and 431 responses, bodies
// included: the lingering close keeps the kernel from resetting the
// connection under them.
func TestProbeCurl(t *testing.T) {
	if !*probe {
		t.Skip("a probe: run with -probe")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	upload := filepath.Join(t.TempDir(), "upload")
	if err := os.WriteFile(upload, bytes.Repeat([]byte("u"), 8<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	mk := func() *server { return newServer(1<<20, 5*time.Second, 3*time.Second) }
	probeEach(t, mk, func(t *testing.T, e, addr string) {
		for _, tc := range []struct {
			name string
			args []string
			want string
		}{
			// Expect: empty makes curl send the 8 MiB body at once
			// rather than wait for 100 Continue.
			{"8 MiB upload", []string{"--data-binary", "@" + upload, "-H", "Expect:", "http://" + addr + "/echo"}, "413"},
			{"8 MiB upload with 100-continue", []string{"--data-binary", "@" + upload, "http://" + addr + "/echo"}, "413"},
			{"10 KB header", []string{"-H", "X-Big: " + strings.Repeat("a", 10000), "http://" + addr + "/"}, "431"},
			{"100 KB target", []string{"http://" + addr + "/" + strings.Repeat("a", 100000)}, "414"},
		} {
			out, err := exec.Command(curl, append([]string{"-sv", "--max-time", "10"}, tc.args...)...).CombinedOutput()
			var shown []string
			for _, line := range strings.Split(string(out), "\n") {
				line = strings.TrimRight(line, "\r")
				if strings.HasPrefix(line, "> X-Big") {
					line = line[:16] + "..."
				}
				if strings.HasPrefix(line, "> GET /aaa") {
					line = line[:16] + "... HTTP/1.1"
				}
				if !strings.HasPrefix(line, "*   Trying") && !strings.HasPrefix(line, "} [") && !strings.HasPrefix(line, "{ [") {
					shown = append(shown, line)
				}
			}
			t.Logf("%s: %s, curl -sv (exit %v):\n%s", e, tc.name, err, strings.Join(shown, "\n"))
			if !strings.Contains(string(out), "< HTTP/1.1 "+tc.want+" ") {
				t.Errorf("%s: curl did not show the %s response", tc.name, tc.want)
			}
			if tc.want == "413" && !strings.Contains(string(out), "request body too large") {
				t.Errorf("%s: curl did not show the 413 body", tc.name)
			}
		}
	})
}
