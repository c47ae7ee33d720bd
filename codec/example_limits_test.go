package codec_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/codec"
	"github.com/netloop/netloop/conn"
)

// A protocol whose frames may be large must refuse an oversized frame in its
// codec, where it can still answer, before the server's MaxInput closes the
// connection without a word. Here frames carry a 4-byte length; the codec
// allows 64 KiB, MaxInput is a read buffer above that, and a client
// announcing a 5 MB value is told so as soon as the length has arrived.
func Example_frameTooLarge() {
	f := codec.LengthField{Size: 4, Strip: 4, Max: 64 << 10}
	cfg := netloop.Config{Loops: 1, ReadBufferSize: 16 << 10}
	cfg.MaxInput = f.Max + cfg.ReadBufferSize
	srv, err := netloop.Listen("127.0.0.1:0", cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go srv.Serve(ctx, conn.HandlerFuncs{Data: func(c conn.Conn, in []byte) int {
		n, err := codec.Each(in, f.Split, func(value []byte) error {
			c.Write([]byte(fmt.Sprintf("OK %d bytes\n", len(value))))
			return nil
		})
		if errors.Is(err, codec.ErrFrameTooLarge) {
			c.Write([]byte("ERR value larger than 64 KiB\n"))
			c.Close()
			return len(in)
		}
		return n
	}})

	client, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	small, _ := f.Append(nil, nil, []byte("hello"))
	client.Write(small)
	// The header of a 5 MB frame and its first bytes; the rest never comes.
	huge := make([]byte, 4+1024)
	huge[1], huge[2], huge[3] = 0x4c, 0x4b, 0x40 // 5,000,000
	client.Write(huge)
	reply, _ := io.ReadAll(client) // until the server closes
	fmt.Print(string(reply))
	// Output:
	// OK 5 bytes
	// ERR value larger than 64 KiB
}
