package proxyproto_test

import (
	"fmt"

	"github.com/netloop/netloop/codec/proxyproto"
)

// A header arrives in pieces; Parse asks for more until it is whole, then
// says where the relayed stream begins.
func Example() {
	stream := []byte("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nGET / HTTP/1.1\r\n\r\n")
	var h proxyproto.Header
	for got := 20; ; got += 20 {
		n, err := proxyproto.Parse(stream[:min(got, len(stream))], &h)
		if err == proxyproto.ErrNeedMore {
			fmt.Println("need more after", got, "bytes")
			continue
		}
		if err != nil {
			fmt.Println("close the connection:", err)
			return
		}
		fmt.Println(h.Command, h.Source, "->", h.Destination)
		fmt.Printf("stream: %q\n", stream[n:])
		return
	}
	// Output:
	// need more after 20 bytes
	// need more after 40 bytes
	// PROXY 192.0.2.1:56324 -> 198.51.100.7:443
	// stream: "GET / HTTP/1.1\r\n\r\n"
}

// Version 2 headers carry TLVs, read in place.
func ExampleHeader_TLVs() {
	in := []byte("\r\n\r\n\x00\r\nQUIT\n" +
		"\x21\x11\x00\x1f" + // PROXY, TCP over IPv4, 31 bytes follow
		"\xc0\x00\x02\x01\xc6\x33\x64\x07\xdc\x04\x01\xbb" + // 192.0.2.1:56324 -> 198.51.100.7:443
		"\x01\x00\x02h2" + // ALPN
		"\x02\x00\x0bexample.com") // authority
	var h proxyproto.Header
	if _, err := proxyproto.Parse(in, &h); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s from %s, ALPN %s\n", h.Authority(), h.Source, h.ALPN())
	for typ, v := range h.TLVs.All() {
		fmt.Printf("type %#02x: %q\n", typ, v)
	}
	// Output:
	// example.com from 192.0.2.1:56324, ALPN h2
	// type 0x01: "h2"
	// type 0x02: "example.com"
}

// Input that is not a PROXY header is rejected at once, never taken for a
// stream without one.
func ExampleParse_notProxy() {
	var h proxyproto.Header
	_, err := proxyproto.Parse([]byte("GET / HTTP/1.1\r\n"), &h)
	fmt.Println(err)
	// Output: proxyproto: input starts with neither PROXY signature
}
