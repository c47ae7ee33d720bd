package netloop_test

import (
	"testing"

	"github.com/netloop/netloop/conn"
)

// workerHandler hands each message to a worker goroutine, which answers
// with AsyncWrite: the shape of a handler whose work must not run on the
// loop (a database call, a hash of many rounds).
type workerHandler struct{ jobs chan<- workerJob }

type workerJob struct {
	c   conn.Conn
	msg []byte
}

func (workerHandler) OnOpen(conn.Conn)         {}
func (workerHandler) OnClose(conn.Conn, error) {}
func (h workerHandler) OnData(c conn.Conn, in []byte) int {
	h.jobs <- workerJob{c, append([]byte(nil), in...)}
	return len(in)
}

// BenchmarkWorkerReply measures one round trip through a worker goroutine:
// the loop hands the message to the worker, the worker writes it back with
// AsyncWrite, the client in the same process reads it. Each hop needs the
// scheduler to run a goroutine beside the loops, on the default GOMAXPROCS
// and loops; a loop that held its P while it waited would show here.
func BenchmarkWorkerReply(b *testing.B) {
	for _, e := range engines {
		b.Run("engine="+string(e), func(b *testing.B) {
			jobs := make(chan workerJob, 64)
			defer close(jobs)
			go func() {
				for j := range jobs {
					j.c.AsyncWrite(j.msg, nil)
				}
			}()
			c := dialAll(b, start(b, e, 0, workerHandler{jobs}), 1)[0]
			msg, buf := []byte("worker"), make([]byte, 6)
			b.ResetTimer()
			for b.Loop() {
				if err := roundTrip(c, msg, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
