package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/netloop/netloop/codec/resp"
	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/examples/internal/cmd"
	"github.com/netloop/netloop/examples/internal/cmdtest"
)

// start runs the server as main does and returns its address.
func start(t *testing.T, engine conn.Engine, loops int) string {
	o := cmd.Options{Addr: "127.0.0.1:0", Engine: engine, Loops: loops, Level: zapcore.WarnLevel, MaxInput: maxHeld}
	return cmdtest.Start(t, engine, func(ctx context.Context, listening func(string)) error {
		return cmd.Run(ctx, "kv", o, newServer(), listening)
	})
}

// exchange sends in on a new connection and returns what comes back until
// the server closes ("<EOF>" is appended) or, unless the server is
// expected to close, until the reply to a trailing ECHO that marks the end
// ("<open>" is appended then).
func exchange(t *testing.T, addr string, in string) string {
	return exchangeWant(t, addr, in, true)
}

func exchangeWant(t *testing.T, addr string, in string, mark bool) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	marker := "*2\r\n$4\r\nECHO\r\n$6\r\n<open>\r\n"
	if !mark {
		marker = ""
	}
	if _, err := c.Write([]byte(in + marker)); err != nil {
		t.Fatal(err)
	}
	var out []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if i := bytes.Index(out, []byte("$6\r\n<open>\r\n")); i >= 0 {
			return string(out[:i]) + "<open>"
		}
		if err == io.EOF {
			return string(out) + "<EOF>"
		}
		if err != nil {
			return string(out) + "<" + err.Error() + ">"
		}
	}
}

// cases are inputs and what redis-server 7.0.15 answered to them, each on
// a fresh connection to an empty server; keys are distinct across cases.
var cases = []struct{ in, want string }{
	{"PING\r\n", "+PONG\r\n<open>"},
	{"*1\r\n$4\r\nPING\r\n", "+PONG\r\n<open>"},
	{"PING hello\r\n", "$5\r\nhello\r\n<open>"},
	{"PING a b\r\n", "-ERR wrong number of arguments for 'ping' command\r\n<open>"},
	{"ECHO\r\n", "-ERR wrong number of arguments for 'echo' command\r\n<open>"},
	{"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", "$0\r\n\r\n<open>"},
	{"ECHO \"\\x41\\n\"\r\n", "$2\r\nA\n\r\n<open>"},
	{"FOO\r\n", "-ERR unknown command 'FOO', with args beginning with: \r\n<open>"},
	{"FOO a b\r\n", "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n<open>"},
	{"FOO " + strings.Repeat("x", 200) + " y\r\n", "-ERR unknown command 'FOO', with args beginning with: '" + strings.Repeat("x", 128) + "' \r\n<open>"},
	{"FOO \"a\\r\\nb\"\r\n", "-ERR unknown command 'FOO', with args beginning with: 'a  b' \r\n<open>"},
	{"*1\r\n$4\r\nPI\x00G\r\n", "-ERR unknown command 'PI', with args beginning with: \r\n<open>"},
	{"GET\r\n", "-ERR wrong number of arguments for 'get' command\r\n<open>"},
	{"GET k1 v\r\n", "-ERR wrong number of arguments for 'get' command\r\n<open>"},
	{"set K2 v\r\nGet K2\r\n", "+OK\r\n$1\r\nv\r\n<open>"},
	{"GET nokey\r\n", "$-1\r\n<open>"},
	{"SET a3 b EX 0\r\n", "-ERR invalid expire time in 'set' command\r\n<open>"},
	{"SET a4 b EX abc\r\n", "-ERR value is not an integer or out of range\r\n<open>"},
	{"SET a5 b PX -5\r\n", "-ERR invalid expire time in 'set' command\r\n<open>"},
	{"SET a6 b EX 9999999999999999\r\n", "-ERR invalid expire time in 'set' command\r\n<open>"},
	{"SET a7 b NX XX\r\n", "-ERR syntax error\r\n<open>"},
	{"SET a8 b FOO\r\n", "-ERR syntax error\r\n<open>"},
	{"SET a9 v EX 10 PX 100\r\n", "-ERR syntax error\r\n<open>"},
	{"SET a10 v KEEPTTL EX 10\r\n", "-ERR syntax error\r\n<open>"},
	{"SET a11 v nx NX\r\nGET a11\r\n", "+OK\r\n$1\r\nv\r\n<open>"},
	{"SET a12 v EX 10 EX 20\r\nTTL a12\r\n", "+OK\r\n:20\r\n<open>"},
	{"SET a13 v px 1700\r\nTTL a13\r\n", "+OK\r\n:2\r\n<open>"},
	{"SET a14 v\r\nSET a14 w NX\r\nSET a15 w XX\r\nGET a14\r\nGET a15\r\n", "+OK\r\n$-1\r\n$-1\r\n$1\r\nv\r\n$-1\r\n<open>"},
	{"SET a16 v EX 100\r\nSET a16 w KEEPTTL\r\nTTL a16\r\nSET a16 x\r\nTTL a16\r\n", "+OK\r\n+OK\r\n:100\r\n+OK\r\n:-1\r\n<open>"},
	{"SET a17 v EXAT 1\r\nGET a17\r\n", "+OK\r\n$-1\r\n<open>"},
	// SET ... GET: the old value or nil instead of OK, with NX and XX too.
	{"SET g1 v GET\r\nGET g1\r\n", "$-1\r\n$1\r\nv\r\n<open>"},
	{"SET g2 a\r\nSET g2 b GET\r\nGET g2\r\n", "+OK\r\n$1\r\na\r\n$1\r\nb\r\n<open>"},
	{"SET g3 a\r\nSET g3 b NX GET\r\nGET g3\r\n", "+OK\r\n$1\r\na\r\n$1\r\na\r\n<open>"},
	{"SET g4 a NX GET\r\nGET g4\r\n", "$-1\r\n$1\r\na\r\n<open>"},
	{"SET g5 a XX GET\r\nGET g5\r\n", "$-1\r\n$-1\r\n<open>"},
	{"SET g6 a\r\nSET g6 b XX GET\r\nGET g6\r\n", "+OK\r\n$1\r\na\r\n$1\r\nb\r\n<open>"},
	{"SET g7 a\r\nSET g7 b GET EX 100\r\nTTL g7\r\n", "+OK\r\n$1\r\na\r\n:100\r\n<open>"},
	{"SET g8 a\r\nSET g8 b GET EX 0\r\nGET g8\r\n", "+OK\r\n-ERR invalid expire time in 'set' command\r\n$1\r\na\r\n<open>"},
	{"SET g9 a GET GET\r\nGET g9\r\n", "$-1\r\n$1\r\na\r\n<open>"},
	{"SET g10 v get\r\n", "$-1\r\n<open>"},
	{"SET g11 a EX 100\r\nSET g11 b KEEPTTL GET\r\nTTL g11\r\n", "+OK\r\n$1\r\na\r\n:100\r\n<open>"},
	{"SET g12 a GET NX XX\r\n", "-ERR syntax error\r\n<open>"},
	{"SET g13 a GET FOO\r\nGET g13\r\n", "-ERR syntax error\r\n$-1\r\n<open>"},
	{"INCR g14\r\nSET g14 x GET\r\n", ":1\r\n$1\r\n1\r\n<open>"},
	{"SET g15 a\r\nSET g15 b GET EXAT 1\r\nGET g15\r\n", "+OK\r\n$1\r\na\r\n$-1\r\n<open>"},
	{"SET g16 a\r\nSET g16 b GET NX EX 10\r\nTTL g16\r\n", "+OK\r\n$1\r\na\r\n:-1\r\n<open>"},
	{"INCR\r\n", "-ERR wrong number of arguments for 'incr' command\r\n<open>"},
	{"INCR c1\r\nINCR c1\r\nGET c1\r\n", ":1\r\n:2\r\n$1\r\n2\r\n<open>"},
	{"SET c2 9223372036854775807\r\nINCR c2\r\n", "+OK\r\n-ERR increment or decrement would overflow\r\n<open>"},
	{"SET c3 abc\r\nINCR c3\r\n", "+OK\r\n-ERR value is not an integer or out of range\r\n<open>"},
	{"SET c4 012\r\nINCR c4\r\nSET c4 -0\r\nINCR c4\r\nSET c4 +5\r\nINCR c4\r\nSET c4 -5\r\nINCR c4\r\n", "+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n:-4\r\n<open>"},
	{"DEL\r\n", "-ERR wrong number of arguments for 'del' command\r\n<open>"},
	{"SET d1 1\r\nSET d2 2\r\nDEL d1 d2 d3\r\nGET d1\r\n", "+OK\r\n+OK\r\n:2\r\n$-1\r\n<open>"},
	{"EXPIRE e1\r\n", "-ERR wrong number of arguments for 'expire' command\r\n<open>"},
	{"EXPIRE e2 abc\r\n", "-ERR value is not an integer or out of range\r\n<open>"},
	{"EXPIRE e3 10\r\n", ":0\r\n<open>"},
	{"SET e4 1\r\nEXPIRE e4 9223372036854775807\r\n", "+OK\r\n-ERR invalid expire time in 'expire' command\r\n<open>"},
	{"SET e5 v\r\nEXPIRE e5 10 XX\r\nEXPIRE e5 5 GT\r\nEXPIRE e5 20 NX\r\nEXPIRE e5 30 GT\r\nEXPIRE e5 40 LT\r\nTTL e5\r\nEXPIRE e5 1 FOO\r\n",
		"+OK\r\n:0\r\n:0\r\n:1\r\n:1\r\n:0\r\n:30\r\n-ERR Unsupported option FOO\r\n<open>"},
	{"SET e6 v\r\nEXPIRE e6 10 NX XX\r\nEXPIRE e6 10 GT LT\r\n", "+OK\r\n-ERR NX and XX, GT or LT options at the same time are not compatible\r\n-ERR GT and LT options at the same time are not compatible\r\n<open>"},
	{"SET e7 v\r\nEXPIRE e7 -1\r\nGET e7\r\n", "+OK\r\n:1\r\n$-1\r\n<open>"},
	{"TTL\r\n", "-ERR wrong number of arguments for 'ttl' command\r\n<open>"},
	{"TTL t1\r\nSET t2 q\r\nTTL t2\r\n", ":-2\r\n+OK\r\n:-1\r\n<open>"},
	{"\r\n\r\nPING\r\n", "+PONG\r\n<open>"},
	{"*0\r\n*-1\r\nPING\r\n", "+PONG\r\n<open>"},
	{"*1\r\n$4\r\nPINGxxPING\r\n", "+PONG\r\n+PONG\r\n<open>"},
	// Protocol errors: the reply, then the server closes.
	{"*3000000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n<EOF>"},
	{"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n<EOF>"},
	{"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "-ERR Protocol error: expected '$', got 'f'\r\n<EOF>"},
	{"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n<EOF>"},
	{"*1\r\n$600000000\r\n", "-ERR Protocol error: invalid bulk length\r\n<EOF>"},
	{"PING \"a\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n<EOF>"},
	// With several loops, some of these keys live on other loops than
	// the connection's: the error still comes last.
	{"GET r1\r\nGET r2\r\nGET r3\r\nGET r4\r\nGET r5\r\n*abc\r\n", "$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n-ERR Protocol error: invalid multibulk length\r\n<EOF>"},
	{"PING\r\nECHO \"a\"b\r\nPING\r\n", "+PONG\r\n-ERR Protocol error: unbalanced quotes in request\r\n<EOF>"},
	{"*1\r\n$" + strings.Repeat("1", 70000), "-ERR Protocol error: too big bulk count string\r\n<EOF>"},
	{"*" + strings.Repeat("1", 70000), "-ERR Protocol error: too big mbulk count string\r\n<EOF>"},
	{strings.Repeat("A", 70000), "-ERR Protocol error: too big inline request\r\n<EOF>"},
}

func TestCommands(t *testing.T) {
	for _, engine := range cmdtest.Engines {
		for _, loops := range []int{1, 4} {
			t.Run(fmt.Sprintf("engine=%s/loops=%d", engine, loops), func(t *testing.T) {
				addr := start(t, engine, loops)
				for _, tc := range cases {
					if got := exchangeWant(t, addr, tc.in, strings.HasSuffix(tc.want, "<open>")); got != tc.want {
						t.Errorf("%.60q:\n got %.300q\nwant %.300q", tc.in, got, tc.want)
					}
				}
			})
		}
	}
}

// freePort returns a port nothing listens on at the moment.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRedis runs a real redis-server for the test, or skips.
func startRedis(t *testing.T) string {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed (apt-get install redis-server): cannot compare with Redis")
	}
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	srv := exec.CommandContext(ctx, path, "--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--port", strconv.Itoa(port))
	if err := srv.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); srv.Wait() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start listening")
		}
		time.Sleep(20 * time.Millisecond) // waiting for another process to listen
	}
}

// TestSameAsRedis sends every case to a real redis-server as well, when
// one is installed, so that the expectations above stay Redis's own.
func TestSameAsRedis(t *testing.T) {
	addr := startRedis(t)
	out, _ := exec.Command("redis-server", "--version").Output()
	t.Logf("comparing with %s", bytes.TrimSpace(out))
	for _, tc := range cases {
		if got := exchangeWant(t, addr, tc.in, strings.HasSuffix(tc.want, "<open>")); got != tc.want {
			t.Errorf("redis-server answers %.60q with %.300q; the test expects %.300q", tc.in, got, tc.want)
		}
	}
}

// TestExpiry: a key with a TTL goes away on time, through the loop's
// timer or on access.
func TestExpiry(t *testing.T) {
	for _, engine := range cmdtest.Engines {
		t.Run(engine.String(), func(t *testing.T) {
			addr := start(t, engine, 2)
			if got := exchange(t, addr, "SET x1 v PX 100\r\nSET x2 v PX 100\r\nEXPIRE x3 1\r\nGET x1\r\n"); got != "+OK\r\n+OK\r\n:0\r\n$1\r\nv\r\n<open>" {
				t.Fatalf("got %q", got)
			}
			deadline := time.Now().Add(5 * time.Second)
			for exchange(t, addr, "GET x1\r\n") != "$-1\r\n<open>" {
				if time.Now().After(deadline) {
					t.Fatal("x1 still there 5s after a 100ms TTL")
				}
				time.Sleep(20 * time.Millisecond) // polling the server's state
			}
			if got := exchange(t, addr, "TTL x2\r\n"); got != ":-2\r\n<open>" {
				t.Errorf("TTL of expired key = %q", got)
			}
		})
	}
}

// TestConcurrentIncr: clients on different loops incrementing the same
// keys, pipelined, lose no increment and each sees its replies in order.
func TestConcurrentIncr(t *testing.T) {
	for _, engine := range cmdtest.Engines {
		t.Run(engine.String(), func(t *testing.T) {
			addr := start(t, engine, 4)
			const clients, rounds, keys = 8, 200, 5
			var wg sync.WaitGroup
			for range clients {
				wg.Go(func() {
					c, err := net.Dial("tcp", addr)
					if err != nil {
						t.Error(err)
						return
					}
					defer c.Close()
					c.SetDeadline(time.Now().Add(20 * time.Second))
					var req []byte
					for i := range rounds {
						req = resp.AppendCommand(req, "INCR", fmt.Sprint("n", i%keys))
						req = resp.AppendCommand(req, "ECHO", strconv.Itoa(i))
					}
					go c.Write(req)
					r := bufio.NewReader(c)
					for i := range rounds {
						line, err := r.ReadString('\n')
						if err != nil || line[0] != ':' {
							t.Errorf("INCR reply %d: %q %v", i, line, err)
							return
						}
						r.ReadString('\n')
						echo, err := r.ReadString('\n')
						if want := strconv.Itoa(i) + "\r\n"; err != nil || echo != want {
							t.Errorf("ECHO reply %d = %q, want %q: out of order", i, echo, want)
							return
						}
					}
				})
			}
			wg.Wait()
			for k := range keys {
				want := fmt.Sprintf("$%d\r\n%d\r\n<open>", len(strconv.Itoa(clients*rounds/keys)), clients*rounds/keys)
				if got := exchange(t, addr, fmt.Sprintf("GET n%d\r\n", k)); got != want {
					t.Errorf("n%d = %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestRedisCLI drives the server with redis-cli, as a user would.
func TestRedisCLI(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not installed (apt-get install redis-tools)")
	}
	host, port, _ := net.SplitHostPort(start(t, conn.EngineAuto, 1))
	run := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, cli, append([]string{"-h", host, "-p", port}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %q: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, "PONG"},
		{[]string{"SET", "greeting", "hello world", "EX", "60"}, "OK"},
		{[]string{"GET", "greeting"}, "hello world"},
		{[]string{"TTL", "greeting"}, "60"},
		{[]string{"INCR", "visits"}, "1"},
		{[]string{"DEL", "greeting", "visits"}, "2"},
		{[]string{"GET", "greeting"}, ""},
	} {
		if got := run(tc.args...); got != tc.want {
			t.Errorf("redis-cli %q = %q, want %q", tc.args, got, tc.want)
		}
	}
}

// TestRedisBenchmark runs a short redis-benchmark against each engine;
// it must finish, and its SETs must have landed.
func TestRedisBenchmark(t *testing.T) {
	bench, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Skip("redis-benchmark not installed (apt-get install redis-tools)")
	}
	for _, engine := range cmdtest.Engines {
		for _, loops := range []int{1, 3} {
			t.Run(fmt.Sprintf("engine=%s/loops=%d", engine, loops), func(t *testing.T) {
				addr := start(t, engine, loops)
				host, port, _ := net.SplitHostPort(addr)
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				out, err := exec.CommandContext(ctx, bench, "-h", host, "-p", port, "-t", "ping,set,get,incr", "-n", "5000", "-c", "10", "-P", "4", "-q").CombinedOutput()
				if err != nil {
					t.Fatalf("redis-benchmark: %v\n%s", err, out)
				}
				for _, test := range []string{"PING_INLINE", "SET", "GET", "INCR"} {
					if !bytes.Contains(out, []byte(test+": ")) {
						t.Errorf("no %s result in\n%s", test, out)
					}
				}
				// Its SET values are three bytes, its INCRs all hit one key.
				if got := exchange(t, addr, "GET key:__rand_int__\r\nGET counter:__rand_int__\r\n"); !strings.HasPrefix(got, "$3\r\n") || !strings.HasSuffix(got, "$4\r\n5000\r\n<open>") {
					t.Errorf("after the benchmark: %q", got)
				}
			})
		}
	}
}
