package resp_test

import (
	"fmt"

	"github.com/netloop/netloop/codec/resp"
)

// A handler's OnData splits commands off its input and appends the
// replies; what it does not consume waits for more bytes.
func ExampleDecoder_Split() {
	var d resp.Decoder
	in := []byte("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\nPING\r\n*1\r\n$4\r\nPI")
	var out []byte
	for {
		n, args, err := d.Split(in, false)
		if err != nil {
			out = resp.AppendErr(out, err) // then close, as Redis does
			break
		}
		if n == 0 {
			break // in is the start of a command: keep it
		}
		switch {
		case args == nil: // an empty command
		case string(args[0]) == "ECHO":
			out = resp.AppendBulk(out, args[1])
		case string(args[0]) == "PING":
			out = resp.AppendSimple(out, "PONG")
		}
		in = in[n:]
	}
	fmt.Printf("%q, %d bytes kept\n", out, len(in))
	// Output: "$5\r\nhello\r\n+PONG\r\n", 10 bytes kept
}

func ExampleAppendErr() {
	var d resp.Decoder
	_, _, err := d.Split([]byte("*1\r\n$-5\r\n"), false)
	fmt.Printf("%q\n", resp.AppendErr(nil, err))
	// Output: "-ERR Protocol error: invalid bulk length\r\n"
}
