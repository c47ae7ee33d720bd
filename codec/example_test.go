package codec_test

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/netloop/netloop/codec"
)

func ExampleDelimiter() {
	// In an OnData handler, in holds all unconsumed input; the last line is
	// incomplete and stays unconsumed until more bytes arrive.
	in := []byte("PING\r\nECHO hi\nPIN")
	n, err := codec.Each(in, codec.Delimiter{}.Split, func(line []byte) error {
		fmt.Printf("%q\n", line)
		return nil
	})
	fmt.Println(n, err)
	// Output:
	// "PING"
	// "ECHO hi"
	// 14 <nil>
}

func ExampleEach_stop() {
	// A pipeline in one read: the callback answers each command and ends
	// the scan at QUIT; what follows it is never looked at.
	in := []byte("PING\r\nQUIT\r\nPING\r\n")
	n, err := codec.Each(in, codec.Delimiter{}.Split, func(cmd []byte) error {
		switch string(cmd) {
		case "PING":
			fmt.Println("+PONG")
		case "QUIT":
			fmt.Println("+OK")
			return codec.ErrStop // then close the connection
		default:
			return fmt.Errorf("unknown command %q", cmd) // Each returns it
		}
		return nil
	})
	fmt.Println(n, err)
	// Output:
	// +PONG
	// +OK
	// 12 <nil>
}

func ExampleDelimiter_scanner() {
	s := bufio.NewScanner(strings.NewReader("a|b|c|"))
	s.Split(codec.Delimiter{Delim: []byte("|")}.Split)
	for s.Scan() {
		fmt.Print(s.Text(), " ")
	}
	fmt.Println(s.Err())
	// Output: a b c <nil>
}

func ExampleDelimiter_Append() {
	out, _ := codec.Delimiter{CRLF: true}.Append(nil, []byte("OK"))
	_, err := codec.Delimiter{}.Append(nil, []byte("two\nlines"))
	fmt.Printf("%q %v\n", out, err)
	// Output: "OK\r\n" codec: frame contains the delimiter
}

func ExampleFixedLength() {
	n, err := codec.Each([]byte("0001000200"), codec.FixedLength(4).Split, func(f []byte) error {
		fmt.Println(string(f))
		return nil
	})
	fmt.Println(n, err)
	// Output:
	// 0001
	// 0002
	// 8 <nil>
}

func ExampleLengthField() {
	// A protocol with a one-byte type, then a big-endian uint16 length of
	// the payload that follows; handlers want only the payload.
	f := codec.LengthField{Offset: 1, Size: 2, Strip: 3, Max: 1024}
	var wire []byte
	wire, _ = f.Append(wire, []byte{'M'}, []byte("hello"))
	wire, _ = f.Append(wire, []byte{'M'}, []byte("world"))
	fmt.Printf("% x\n", wire[:8])
	codec.Each(wire, f.Split, func(payload []byte) error {
		fmt.Println(string(payload))
		return nil
	})
	// A header announcing more than Max is refused before the body arrives.
	_, _, err := f.Split([]byte{'M', 0xff, 0xff}, false)
	fmt.Println(err)
	// Output:
	// 4d 00 05 68 65 6c 6c 6f
	// hello
	// world
	// codec: frame too large
}

func ExampleLengthField_wholeFrame() {
	// The length field counts the whole frame, itself included, as in
	// many binary protocols: adjust by the header size.
	f := codec.LengthField{Size: 4, LittleEndian: true, Adjustment: -4}
	wire, _ := f.Append(nil, nil, []byte("abc"))
	fmt.Printf("% x\n", wire)
	// Output: 07 00 00 00 61 62 63
}
