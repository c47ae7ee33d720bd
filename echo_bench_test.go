package netloop_test

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkEcho measures echo round trips over loopback: each op is one
// message written by a client and read back. Clients run one goroutine per
// connection and share the b.N round trips. engine=std is the standard
// library with a goroutine per connection, for comparison in the same run.
func BenchmarkEcho(b *testing.B) {
	for _, engine := range []string{"std", "reactor", "proactor", "goroutine"} {
		for _, conns := range []int{1, 100} {
			for _, size := range []int{64, 4096} {
				name := fmt.Sprintf("engine=%s/conns=%d/size=%d", engine, conns, size)
				b.Run(name, func(b *testing.B) { benchEcho(b, engine, conns, size) })
			}
		}
	}
}

func benchEcho(b *testing.B, engine string, nconns, size int) {
	var addr string
	if engine == "std" {
		addr = stdEcho(b)
	} else {
		addr = startEcho(b, engineOf(engine), 0)
	}
	conns := dialAll(b, addr, nconns)
	msg := bytes.Repeat([]byte{'e'}, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			buf := make([]byte, size)
			for next.Add(1) <= int64(b.N) {
				if err := roundTrip(c, msg, buf); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
