package peers

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Verify checks that the server on addr answers correctly in mode: an echo
// server must return a small and a 256 KiB message byte for byte; an HTTP
// server must answer three pipelined requests, in order, with status 200 and
// HelloBody.
func Verify(addr string, mode Mode) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if mode == HTTP {
		return verifyHTTP(c)
	}
	return verifyEcho(c)
}

func verifyEcho(c net.Conn) error {
	for _, size := range []int{1, 256 << 10} {
		msg := make([]byte, size)
		for i := range msg {
			msg[i] = byte(i*31 + size)
		}
		errc := make(chan error, 1)
		go func() { _, err := c.Write(msg); errc <- err }() // write and read at once: the message is larger than the socket buffers
		got := make([]byte, size)
		if _, err := io.ReadFull(c, got); err != nil {
			return fmt.Errorf("echo of %d bytes: %w", size, err)
		}
		if err := <-errc; err != nil {
			return err
		}
		if !bytes.Equal(got, msg) {
			return fmt.Errorf("echo of %d bytes came back different", size)
		}
	}
	return nil
}

func verifyHTTP(c net.Conn) error {
	const n = 3
	req := strings.Repeat("GET / HTTP/1.1\r\nHost: bench\r\n\r\n", n)
	if _, err := io.WriteString(c, req); err != nil {
		return err
	}
	br := bufio.NewReader(c)
	for i := range n {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return fmt.Errorf("response %d: %w", i+1, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("response %d body: %w", i+1, err)
		}
		if resp.StatusCode != http.StatusOK || string(body) != HelloBody {
			return fmt.Errorf("response %d: %s %q, want 200 %q", i+1, resp.Status, body, HelloBody)
		}
	}
	return nil
}
