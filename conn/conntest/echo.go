package conntest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/netloop/netloop/conn"
)

func testEchoSmall(t *testing.T, listen Listener) {
	h := record(t, echo{})
	s := serve(t, listen, conn.Config{}, h)
	c := s.dial(t)
	for _, size := range []int{1, 64, 1000, 4096, 65536} {
		msg := bytes.Repeat([]byte{byte(size)}, size)
		if got := roundTrip(t, c, msg); !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes differs", size)
		}
	}
	c.Close()
	expectCause(t, h.nextClose(t), io.EOF)
}

// testEchoLarge sends 4 MiB, far more than any read buffer or socket
// buffer, while reading the echo concurrently, and compares checksums.
func testEchoLarge(t *testing.T, listen Listener) {
	s := serve(t, listen, conn.Config{}, record(t, echo{}))
	c := s.dial(t)
	msg := make([]byte, 4<<20)
	rng := rand.NewChaCha8([32]byte{1})
	rng.Read(msg)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		errc <- err
	}()
	hash := sha256.New()
	if n, err := io.CopyN(hash, c, int64(len(msg))); err != nil {
		t.Fatalf("read after %d bytes: %v", n, err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("write: %v", err)
	}
	if want := sha256.Sum256(msg); !bytes.Equal(hash.Sum(nil), want[:]) {
		t.Fatal("echo of 4 MiB differs")
	}
}

// lines consumes only complete lines and answers each with its length, so
// a line split across reads must be kept by the engine and offered again.
type lines struct{ echo }

func (lines) OnData(c conn.Conn, in []byte) int {
	done := 0
	for {
		i := bytes.IndexByte(in[done:], '\n')
		if i < 0 {
			return done
		}
		fmt.Fprintf(connWriter{c}, "%d\n", i)
		done += i + 1
	}
}

type connWriter struct{ c conn.Conn }

func (w connWriter) Write(p []byte) (int, error) { return w.c.Write(p) }

func testPartialConsume(t *testing.T, listen Listener) {
	s := serve(t, listen, conn.Config{}, record(t, lines{}))
	c := s.dial(t)
	c.SetNoDelay(true)
	var sent bytes.Buffer
	var want []int
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		n := rng.IntN(300)
		sent.Write(bytes.Repeat([]byte{'x'}, n))
		sent.WriteByte('\n')
		want = append(want, n)
	}
	go func() {
		// Dribble the stream in small uneven pieces so lines straddle reads.
		b := sent.Bytes()
		for len(b) > 0 {
			n := min(len(b), 1+rng.IntN(97))
			if _, err := c.Write(b[:n]); err != nil {
				return
			}
			b = b[n:]
		}
	}()
	r := bufio.NewScanner(c)
	for i, w := range want {
		if !r.Scan() {
			t.Fatalf("reply %d: %v", i, r.Err())
		}
		if got := r.Text(); got != fmt.Sprint(w) {
			t.Fatalf("reply %d = %q, want %d", i, got, w)
		}
	}
}

// testManyConns runs a thousand connections at once, each doing round
// trips, so every loop juggles many ready sockets per wait.
func testManyConns(t *testing.T, listen Listener) {
	const conns, trips = 1000, 10
	h := record(t, echo{})
	s := serve(t, listen, conn.Config{}, h)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", s.addr, timeout)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			msg := []byte(fmt.Sprintf("conn %4d says hello, padded to 64 bytes .......................", i))
			got := make([]byte, len(msg))
			for range trips {
				if _, err := c.Write(msg); err != nil {
					errs <- err
					return
				}
				if _, err := io.ReadFull(c, got); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got, msg) {
					errs <- fmt.Errorf("conn %d: got %q", i, got)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for range conns {
		expectCause(t, h.nextClose(t), io.EOF)
	}
}

// addrs answers with what the engine says the addresses are.
type addrs struct{ echo }

func (addrs) OnOpen(c conn.Conn) {
	fmt.Fprintf(connWriter{c}, "%s %s\n", c.LocalAddr(), c.RemoteAddr())
}

func testAddrs(t *testing.T, listen Listener) {
	s := serve(t, listen, conn.Config{}, record(t, addrs{}))
	c := s.dial(t)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%s %s\n", c.RemoteAddr(), c.LocalAddr()); line != want {
		t.Errorf("server sees %q, client sees %q", line, want)
	}
}

// greeter writes in OnOpen, before the client says anything.
type greeter struct{ echo }

func (greeter) OnOpen(c conn.Conn) { c.Write([]byte("hello\n")) }

func testGreeting(t *testing.T, listen Listener) {
	s := serve(t, listen, conn.Config{}, record(t, greeter{}))
	c := s.dial(t)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "hello\n" {
		t.Fatalf("greeting = %q, %v", line, err)
	}
}

// mixedWriter answers every byte it reads with a burst of writes of mixed
// sizes, small and large, whose bytes count up from where the last burst
// ended, so that the client can check the order of every byte.
type mixedWriter struct {
	echo
	buf []byte
	seq map[conn.Conn]*byte
}

// mixedSizes are one burst's writes: small ones that are queued, large
// ones an engine may hand to the kernel at once, in an order that puts
// each kind before and after the other.
var mixedSizes = []int{70000, 3, 9000, 10, 5000, 200000, 1}

func (h *mixedWriter) OnOpen(c conn.Conn) { h.seq[c] = new(byte) }

func (h *mixedWriter) OnData(c conn.Conn, in []byte) int {
	next := h.seq[c]
	for range in {
		for _, n := range mixedSizes {
			b := h.buf[:n]
			for i := range b {
				b[i] = *next
				*next++
			}
			c.Write(b) // b is overwritten by the next write: the engine must have copied or sent it
		}
	}
	return len(in)
}

// testMixedWrites: bursts of large and small writes, far more than a socket
// buffer takes, arrive complete and in order, while the client reads slowly
// at first, so that some writes find the kernel full.
func testMixedWrites(t *testing.T, listen Listener) {
	h := &mixedWriter{buf: make([]byte, 200000), seq: map[conn.Conn]*byte{}}
	s := serve(t, listen, conn.Config{Loops: 1}, record(t, h))
	c := s.dial(t)
	const bursts = 8
	if _, err := c.Write(make([]byte, bursts)); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range mixedSizes {
		total += n
	}
	r := bufio.NewReaderSize(c, 64<<10)
	var want byte
	for i := range bursts * total {
		if i == 0 {
			time.Sleep(50 * time.Millisecond) // let the kernel's buffers fill
		}
		b, err := r.ReadByte()
		if err != nil {
			t.Fatalf("read after %d of %d bytes: %v", i, bursts*total, err)
		}
		if b != want {
			t.Fatalf("byte %d of %d is %d, want %d", i, bursts*total, b, want)
		}
		want++
	}
}
