package loadgen_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netloop/netloop/bench/loadgen"
)

// serve runs a goroutine-per-connection server on 127.0.0.1:0 that passes
// every chunk it reads through mangle before writing it back.
func serve(t *testing.T, mangle func(total int, p []byte)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				buf := make([]byte, 4096)
				total := 0
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					mangle(total, buf[:n])
					total += n
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
			})
		}
	})
	return ln.Addr().String()
}

func TestRunVerifiesEchoes(t *testing.T) {
	tests := []struct {
		name       string
		mangle     func(total int, p []byte)
		cfg        loadgen.Config
		wantErrors bool
		wantErrMsg string
	}{
		{name: "closed loop, epoll", mangle: func(int, []byte) {}, cfg: loadgen.Config{Conns: 8, Depth: 4, Size: 64, Engine: "epoll"}},
		{name: "closed loop, io_uring", mangle: func(int, []byte) {}, cfg: loadgen.Config{Conns: 8, Depth: 4, Size: 64, Engine: "uring"}},
		{name: "closed loop, epoll, large messages", mangle: func(int, []byte) {}, cfg: loadgen.Config{Conns: 2, Size: 200000, Engine: "epoll"}},
		{name: "closed loop, io_uring, large messages", mangle: func(int, []byte) {}, cfg: loadgen.Config{Conns: 2, Size: 200000, Engine: "uring"}},
		{name: "open loop", mangle: func(int, []byte) {}, cfg: loadgen.Config{Conns: 4, Size: 32, Rate: 4000}},
		{
			name: "corrupted byte detected",
			mangle: func(total int, p []byte) {
				if total <= 1000 && total+len(p) > 1000 {
					p[1000-total] ^= 0xff
				}
			},
			cfg:        loadgen.Config{Conns: 1, Size: 64, Engine: "epoll"},
			wantErrors: true, wantErrMsg: "came back wrong",
		},
		{
			name: "corrupted byte detected by io_uring",
			mangle: func(total int, p []byte) {
				if total <= 1000 && total+len(p) > 1000 {
					p[1000-total] ^= 0xff
				}
			},
			cfg:        loadgen.Config{Conns: 1, Size: 64, Engine: "uring"},
			wantErrors: true, wantErrMsg: "came back wrong",
		},
		{
			name: "corruption detected in open loop",
			mangle: func(total int, p []byte) {
				if total <= 100 && total+len(p) > 100 {
					p[100-total]++
				}
			},
			cfg:        loadgen.Config{Conns: 1, Size: 64, Rate: 2000},
			wantErrors: true, wantErrMsg: "came back wrong",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Addr = serve(t, tt.mangle)
			cfg.Duration = 300 * time.Millisecond
			cfg.Warmup = 100 * time.Millisecond
			var progress bytes.Buffer
			cfg.Progress = &progress
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := loadgen.Run(ctx, cfg)
			if err != nil && cfg.Engine == "uring" && strings.Contains(err.Error(), "unusable") {
				t.Skip(err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Engine != "" && cfg.Rate == 0 && res.Engine != cfg.Engine {
				t.Fatalf("ran on %q, asked for %q", res.Engine, cfg.Engine)
			}
			if got := res.Errors > 0; got != tt.wantErrors {
				t.Fatalf("errors = %d (%s), want errors: %v", res.Errors, res.FirstError, tt.wantErrors)
			}
			if tt.wantErrors {
				if !strings.Contains(res.FirstError, tt.wantErrMsg) {
					t.Fatalf("first error %q, want it to mention %q", res.FirstError, tt.wantErrMsg)
				}
				return
			}
			if res.Messages == 0 || res.MsgsPerSec <= 0 || res.Latency.P50 <= 0 || res.Latency.Max < res.Latency.P99 {
				t.Fatalf("implausible result:\n%s", res)
			}
			if cfg.Rate > 0 {
				want := cfg.Rate * res.Seconds
				if float64(res.Messages) < want*0.7 || float64(res.Messages) > want*1.3 {
					t.Fatalf("open loop sent %d messages in %.2fs, want about %.0f", res.Messages, res.Seconds, want)
				}
			}
		})
	}
}

func TestRunFailsWhenNothingListens(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = loadgen.Run(context.Background(), loadgen.Config{Addr: addr, Conns: 1, Duration: time.Second})
	if err == nil {
		t.Fatal("Run succeeded against a closed port")
	}
}

func TestProgressLines(t *testing.T) {
	addr := serve(t, func(int, []byte) {})
	var progress syncBuffer
	_, err := loadgen.Run(context.Background(), loadgen.Config{
		Addr: addr, Conns: 2, Duration: 1200 * time.Millisecond, Progress: &progress,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(progress.String(), "msg/s"); got < 1 {
		t.Fatalf("no progress line in %q", progress.String())
	}
}

func TestOpenIdle(t *testing.T) {
	addr := serve(t, func(int, []byte) {})
	conns, err := loadgen.OpenIdle(context.Background(), addr, 50, []string{"127.0.0.1", "127.0.0.2"}, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if len(conns) != 50 {
		t.Fatalf("%d connections, want 50", len(conns))
	}
	if got := conns[49].LocalAddr().(*net.TCPAddr).IP.String(); got != "127.0.0.2" {
		t.Fatalf("connection 50 from %s, want 127.0.0.2", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []loadgen.Config{{}, {Addr: "127.0.0.1:1", Rate: -1}, {Addr: "127.0.0.1:1", Engine: "kqueue"}} {
		if _, err := loadgen.Run(context.Background(), cfg); err == nil {
			t.Errorf("Run(%+v) succeeded", cfg)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the progress goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
