package engine

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/netloop/netloop/conn"
)

// drain hands the pending output to a fake kernel that takes at most max
// bytes per call through PendingVec, and returns what it took.
func drain(c *testConn, max int) []byte {
	var got []byte
	vec := make([][]byte, 0, 8)
	for c.Buffered() > 0 {
		n := 0
		for _, b := range c.PendingVec(vec[:0]) {
			k := min(len(b), max-n)
			got = append(got, b[:k]...)
			n += k
			if n == max {
				break
			}
		}
		c.Advance(n)
	}
	return got
}

// TestOutboundChain writes many pieces of varied sizes and checks that the
// bytes come back in order however the kernel takes them, that Pending and
// PendingVec agree, and that the chain holds nothing once drained.
func TestOutboundChain(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sizes []int // written in turn
		take  int   // bytes the kernel accepts per call
	}{
		{name: "one small", sizes: []int{10}, take: 1 << 20},
		{name: "small writes, byte by byte", sizes: []int{3, 5, 7, 600, 1}, take: 1},
		{name: "4KiB writes past a block", sizes: repeat(4096, 40), take: 10000},
		{name: "one write larger than a block", sizes: []int{maxBlock*3 + 17}, take: 70000},
		{name: "mixed", sizes: []int{1, maxBlock - 1, 2, maxBlock, 5000, 1}, take: maxBlock},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := newTestConn(conn.Config{})
			var want []byte
			for i, size := range tc.sizes {
				p := bytes.Repeat([]byte{byte('a' + i%26)}, size)
				want = append(want, p...)
				c.Write(p)
			}
			if c.Buffered() != len(want) {
				t.Fatalf("Buffered = %d, want %d", c.Buffered(), len(want))
			}
			if first := c.PendingVec(make([][]byte, 0, 1)); !bytes.Equal(first[0], c.Pending()) {
				t.Fatal("PendingVec's first slice is not Pending")
			}
			if got := drain(c, tc.take); !bytes.Equal(got, want) {
				t.Fatalf("drained %d bytes that differ from the %d written", len(got), len(want))
			}
			if len(c.Pending()) != 0 || c.out != nil {
				t.Error("output queue kept after everything was sent; idle connections must hold none")
			}
		})
	}
}

// TestOutboundWriteWhileSending: bytes written while a send of the first
// block is in flight never move the bytes that send names.
func TestOutboundWriteWhileSending(t *testing.T) {
	c, _, _ := newTestConn(conn.Config{})
	c.Write([]byte("hello "))
	inFlight := c.SendingVec(make([][]byte, 0, 4))
	before := &inFlight[0][0]
	for range 100 {
		c.Write(bytes.Repeat([]byte("x"), 1000))
	}
	if &c.Pending()[0] != before || string(inFlight[0]) != "hello " {
		t.Fatal("a Write moved or changed bytes in flight")
	}
	c.Advance(len(inFlight[0]))
	if got := drain(c, 1<<20); len(got) != 100000 {
		t.Fatalf("drained %d bytes after the send, want 100000", len(got))
	}
}

// TestInboundLeftover: input consumed a little at a time, and a frame
// awaited over many reads, both come out intact.
func TestInboundLeftover(t *testing.T) {
	for _, tc := range []struct {
		name    string
		chunk   int
		chunks  int
		consume func(in []byte) int
	}{
		{name: "await whole", chunk: 16 << 10, chunks: 64, consume: func(in []byte) int {
			if len(in) == 64*16<<10 {
				return len(in)
			}
			return 0
		}},
		{name: "consume 100 at a time", chunk: 3000, chunks: 200, consume: func(in []byte) int { return min(len(in), 100) }},
		{name: "consume all but 1", chunk: 777, chunks: 100, consume: func(in []byte) int { return len(in) - 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := newTestConn(conn.Config{MaxInput: 64 << 20})
			var want, got []byte
			h := &script{data: func(_ conn.Conn, in []byte) int {
				n := tc.consume(in)
				got = append(got, in[:n]...)
				return n
			}}
			for i := range tc.chunks {
				p := bytes.Repeat([]byte{byte('a' + i%26)}, tc.chunk)
				want = append(want, p...)
				if err := c.Deliver(h, p); err != nil {
					t.Fatal(err)
				}
			}
			want = want[:len(want)-c.in.len()]
			if !bytes.Equal(got, want) {
				t.Fatalf("consumed %d bytes that differ from the %d expected", len(got), len(want))
			}
		})
	}
}

func repeat(n, times int) []int {
	s := make([]int, times)
	for i := range s {
		s[i] = n
	}
	return s
}

var sizes = []int{1 << 20, 4 << 20, 16 << 20, 64 << 20}

// BenchmarkQueue queues size bytes in 4 KiB Writes, then drains them as a
// socket would, 256 KiB per writev. The time per byte must not grow with
// size: ns/op should scale by 4 from one size to the next.
func BenchmarkQueue(b *testing.B) {
	piece := make([]byte, 4096)
	vec := make([][]byte, 0, 64)
	for _, size := range sizes {
		b.Run(fmt.Sprintf("size=%dMiB", size>>20), func(b *testing.B) {
			c, _, _ := newTestConn(conn.Config{})
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for range size / len(piece) {
					c.Write(piece)
				}
				for c.Buffered() > 0 {
					n := 0
					for _, p := range c.PendingVec(vec[:0]) {
						n += len(p)
					}
					c.Advance(min(n, 256<<10))
				}
			}
		})
	}
}

// BenchmarkAwaitFrame delivers size bytes in 16 KiB reads to a handler
// that consumes nothing until the whole frame is there.
func BenchmarkAwaitFrame(b *testing.B) {
	read := make([]byte, 16<<10)
	for _, size := range sizes {
		b.Run(fmt.Sprintf("size=%dMiB", size>>20), func(b *testing.B) {
			c, _, _ := newTestConn(conn.Config{MaxInput: size})
			h := &script{data: func(_ conn.Conn, in []byte) int {
				if len(in) == size {
					return size
				}
				return 0
			}}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for range size / len(read) {
					if err := c.Deliver(h, read); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
