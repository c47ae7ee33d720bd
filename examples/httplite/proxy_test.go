package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/examples/internal/cmd"
	"github.com/netloop/netloop/examples/internal/cmdtest"
)

// startProxied runs httplite as main does with -proxy-protocol (or without,
// if pp is the zero value) on engine e.
func startProxied(t *testing.T, e conn.Engine, pp conn.ProxyProtocol) string {
	t.Helper()
	o := cmd.Options{Addr: "127.0.0.1:0", Engine: e, Loops: 1, Level: zapcore.WarnLevel, ProxyProtocol: pp}
	return cmdtest.Start(t, e, func(ctx context.Context, listening func(string)) error {
		return cmd.Run(ctx, "httplite", o, newServer(1<<20, 5*time.Second, 5*time.Second), listening)
	})
}

// whoamiFrom connects to addr from local (a host, any port), sends prefix
// and then GET /whoami, and returns the body and the client's own address.
// An error means the server closed or failed the connection.
func whoamiFrom(t *testing.T, local, addr, prefix string) (body, client string, err error) {
	t.Helper()
	d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, prefix+"GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return "", "", err
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", "", err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		return "", "", fmt.Errorf("status %d", res.StatusCode)
	}
	return string(b), c.LocalAddr().String(), err
}

func TestWhoami(t *testing.T) {
	addr := startProxied(t, conn.EngineAuto, conn.ProxyProtocol{})
	body, client, err := whoamiFrom(t, "127.0.0.2", addr, "")
	if err != nil || body != client {
		t.Errorf("GET /whoami from %s = %q, %v", client, body, err)
	}
}

// TestProxyProtocolFlag checks -proxy-protocol with headers a Go client
// writes, on both engines.
func TestProxyProtocolFlag(t *testing.T) {
	for _, e := range []conn.Engine{conn.EngineReactor, conn.EngineProactor} {
		t.Run(e.String(), func(t *testing.T) {
			addr := startProxied(t, e, conn.ProxyProtocol{Require: true})
			for _, tc := range []struct{ name, header, want string }{
				{"v1", "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n", "192.0.2.1:56324"},
				{"v1 TCP6", "PROXY TCP6 2001:db8::1 2001:db8::2 1234 443\r\n", "[2001:db8::1]:1234"},
				{"v2", "\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\xc0\x00\x02\x07\xc6\x33\x64\x07\x04\xd2\x01\xbb", "192.0.2.7:1234"},
			} {
				if body, _, err := whoamiFrom(t, "127.0.0.1", addr, tc.header); err != nil || body != tc.want {
					t.Errorf("%s: GET /whoami = %q, %v; want %q", tc.name, body, err, tc.want)
				}
			}
			if body, _, err := whoamiFrom(t, "127.0.0.1", addr, ""); err == nil {
				t.Errorf("a request without a PROXY header was answered: %q", body)
			}
		})
	}
}

func TestParsePrefixes(t *testing.T) {
	got, err := parsePrefixes("127.0.0.0/8, ::1/128,10.1.2.3,10.9.9.9/8")
	if err != nil || fmt.Sprint(got) != "[127.0.0.0/8 ::1/128 10.1.2.3/32 10.0.0.0/8]" {
		t.Errorf("parsePrefixes = %v, %v", got, err)
	}
	if _, err := parsePrefixes("10.0.0.0/33"); err == nil {
		t.Error("parsePrefixes accepted 10.0.0.0/33")
	}
}

// TestHAProxy puts a real HAProxy in mode tcp in front of httplite, with
// health checks, once with send-proxy-v2 and once with send-proxy (v1): a
// client bound to 127.0.0.2 asking /whoami through it must get its own
// address back.
func TestHAProxy(t *testing.T) {
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("haproxy not installed (apt-get install haproxy); skipping the HAProxy integration test")
	}
	for _, e := range []conn.Engine{conn.EngineReactor, conn.EngineProactor} {
		for _, send := range []string{"send-proxy-v2", "send-proxy"} {
			t.Run(e.String()+"/"+send, func(t *testing.T) {
				backend := startProxied(t, e, conn.ProxyProtocol{Require: true})
				front, stats := runHAProxy(t, bin, backend, send)
				waitForCheck(t, stats)
				for range 3 {
					body, client, err := whoamiFrom(t, "127.0.0.2", front, "")
					if err != nil || body != client {
						t.Fatalf("GET /whoami through HAProxy from %s = %q, %v", client, body, err)
					}
				}
			})
		}
	}
}

// runHAProxy starts HAProxy in the foreground in front of backend, sending
// the PROXY protocol as send says, and returns its frontend address and the
// path of its stats socket. It is killed when the test ends, or after 30 s.
func runHAProxy(t *testing.T, bin, backend, send string) (front, stats string) {
	t.Helper()
	dir := t.TempDir()
	front = freePort(t)
	stats = filepath.Join(dir, "stats.sock")
	cfg := fmt.Sprintf(`global
	stats socket %s mode 600 level admin
defaults
	mode tcp
	timeout connect 2s
	timeout client 10s
	timeout server 10s
frontend fe
	bind %s
	default_backend be
backend be
	server s1 %s %s check inter 100ms fall 2 rise 1
`, stats, front, backend, send)
	startHAProxy(t, bin, filepath.Join(dir, "haproxy.cfg"), cfg, 30*time.Second)
	return front, stats
}

// waitForCheck waits, at most 5 s, until HAProxy reports a passed health
// check of the backend server: each check sends a PROXY header (LOCAL, in
// version 2) and drops the connection, which httplite must take in its
// stride.
func waitForCheck(t *testing.T, stats string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		if line := statLine(stats, "be,s1,"); line != "" {
			last = line
			f := strings.Split(line, ",")
			// Fields 17 and 36 of "show stat" are status and check_status.
			if len(f) > 36 && f[17] == "UP" && strings.HasPrefix(f[36], "L4OK") {
				return
			}
		}
		time.Sleep(50 * time.Millisecond) // polling HAProxy, which cannot notify us
	}
	t.Fatalf("no passed health check within 5 s; last stat: %q", last)
}

// statLine asks the stats socket for "show stat" and returns the line that
// starts with prefix, or "".
func statLine(sock, prefix string) string {
	c, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	io.WriteString(c, "show stat\n")
	b, _ := io.ReadAll(c)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}

// freePort returns a loopback address with a port that was free a moment
// ago, for HAProxy, which cannot report a port the kernel chose.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startHAProxy writes cfg to path and runs HAProxy on it in the foreground
// until the test ends, for at most limit; it prints HAProxy's output if
// the test failed.
func startHAProxy(t *testing.T, bin, path, cfg string, limit time.Duration) {
	t.Helper()
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	p := exec.CommandContext(ctx, bin, "-db", "-f", path)
	var out strings.Builder
	p.Stdout, p.Stderr = &out, &out
	if err := p.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Process.Kill() // ours, by its handle
		p.Wait()
		cancel()
		if t.Failed() {
			t.Logf("haproxy output:\n%s", out.String())
		}
	})
}
