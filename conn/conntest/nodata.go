package conntest

import (
	"bytes"
	"io"
	"testing"

	"github.com/netloop/netloop/conn"
)

// rejecter refuses a request at its first bytes and closes without reading
// the rest, the way an HTTP server turns down a body that is too large.
// Every OnData it sees produces one refusal.
type rejecter struct{ echo }

func (rejecter) OnData(c conn.Conn, in []byte) int {
	c.Write([]byte("413 too large\n"))
	c.Close()
	return len(in)
}

// testNoDataAfterClose: once the handler has called Close, no more OnData
// arrives, even while the client keeps sending; the reply written before
// Close reaches the client exactly once.
func testNoDataAfterClose(t *testing.T, listen Listener) {
	h := record(t, rejecter{})
	s := serve(t, listen, conn.Config{}, h)
	for range 20 {
		c := s.dial(t)
		go c.Write(bytes.Repeat([]byte("x"), 4<<20))
		got, _ := io.ReadAll(c) // may end in a reset: the rest was never read
		if string(got) != "413 too large\n" {
			t.Fatalf("client read %q, want exactly one refusal", got)
		}
		expectCause(t, h.nextClose(t), nil)
	}
}
