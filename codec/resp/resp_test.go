package resp_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/netloop/netloop/codec/resp"
)

// decodeAll splits every command off in, as a server's OnData would, and
// renders them as "[a b]" lists, "skip" for skipped input, and the reply
// Redis gives for an error, which ends the input.
func decodeAll(d *resp.Decoder, in []byte) (out []string, rest int) {
	for len(in) > 0 {
		n, args, err := d.Split(in, false)
		if err != nil {
			return append(out, string(resp.AppendErr(nil, err))), 0
		}
		if n == 0 {
			return out, len(in)
		}
		if args == nil {
			out = append(out, "skip")
		} else {
			out = append(out, fmt.Sprintf("%q", args))
		}
		in = in[n:]
	}
	return out, 0
}

// The error replies below are what redis-server 7.0.15 answered to the
// same bytes.
func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []string
		rest int // bytes left waiting for more
	}{
		{name: "array", in: "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n", want: []string{`["ECHO" "hi"]`}},
		{name: "pipelined", in: "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n", want: []string{`["PING"]`, `["PING"]`}},
		{name: "empty bulk", in: "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", want: []string{`["ECHO" ""]`}},
		{name: "binary bulk", in: "*1\r\n$3\r\na\x00\n\r\n", want: []string{`["a\x00\n"]`}},
		{name: "zero count skipped", in: "*0\r\nPING\r\n", want: []string{"skip", `["PING"]`}},
		{name: "negative count skipped", in: "*-10\r\n", want: []string{"skip"}},
		{name: "CRLF after payload not checked", in: "*1\r\n$4\r\nPINGxx", want: []string{`["PING"]`}},
		{name: "LF after CR not checked", in: "*1\rX$4\r\nPING\r\n", want: []string{`["PING"]`}},
		{name: "partial header", in: "*1\r\n$4", rest: 6},
		{name: "partial payload", in: "*1\r\n$4\r\nPI", rest: 10},
		{name: "partial count", in: "*1", rest: 2},
		{name: "NUL hides the CR", in: "*1\x00\r\n$4\r\nPING\r\n", rest: 15},
		{name: "count too large", in: "*3000000000\r\n", want: []string{"-ERR Protocol error: invalid multibulk length\r\n"}},
		{name: "count not a number", in: "*abc\r\n", want: []string{"-ERR Protocol error: invalid multibulk length\r\n"}},
		{name: "count with leading zero", in: "*01\r\n", want: []string{"-ERR Protocol error: invalid multibulk length\r\n"}},
		{name: "count too long", in: "*" + strings.Repeat("1", 30) + "\r\n", want: []string{"-ERR Protocol error: invalid multibulk length\r\n"}},
		{name: "not a bulk", in: "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", want: []string{"-ERR Protocol error: expected '$', got 'f'\r\n"}},
		{name: "integer element", in: "*1\r\n:4\r\nPING\r\n", want: []string{"-ERR Protocol error: expected '$', got ':'\r\n"}},
		{name: "negative bulk", in: "*1\r\n$-1\r\n", want: []string{"-ERR Protocol error: invalid bulk length\r\n"}},
		{name: "bulk too long", in: "*1\r\n$600000000\r\n", want: []string{"-ERR Protocol error: invalid bulk length\r\n"}},
		{name: "bulk with leading zero", in: "*1\r\n$01\r\n", want: []string{"-ERR Protocol error: invalid bulk length\r\n"}},
		{name: "no end of count", in: "*" + strings.Repeat("1", 70000), want: []string{"-ERR Protocol error: too big mbulk count string\r\n"}},
		{name: "no end of bulk length", in: "*1\r\n$" + strings.Repeat("1", 70000), want: []string{"-ERR Protocol error: too big bulk count string\r\n"}},
		{name: "inline", in: "ECHO hi\r\n", want: []string{`["ECHO" "hi"]`}},
		{name: "inline LF", in: "ping\n", want: []string{`["ping"]`}},
		{name: "inline blank lines", in: "\r\n \r\n\r\r\nPING\r\n", want: []string{"skip", "skip", "skip", `["PING"]`}},
		{name: "inline separators", in: "ECHO\trrr \x0b x\x0by r\rz\r\n", want: []string{`["ECHO" "rrr" "x\vy" "r" "z"]`}},
		{name: "inline quotes", in: `SET "a b" 'it\'s' "\x41\n\y\"" a"b c"d` + "\r\n", want: []string{"-ERR Protocol error: unbalanced quotes in request\r\n"}},
		{name: "inline escapes", in: `SET "a b" 'it\'s' "\x41\n\y\"" "\x4g"` + "\r\n", want: []string{`["SET" "a b" "it's" "A\ny\"" "x4g"]`}},
		{name: "inline quote opens mid-word", in: `F"O\nO"` + "\r\n", want: []string{`["FO\nO"]`}},
		{name: "inline unterminated", in: "PING \"a\r\n", want: []string{"-ERR Protocol error: unbalanced quotes in request\r\n"}},
		{name: "inline text after quote", in: "ECHO \"a\"b\r\n", want: []string{"-ERR Protocol error: unbalanced quotes in request\r\n"}},
		{name: "inline escaped closing quote", in: "ECHO \"\\\"\r\n", want: []string{"-ERR Protocol error: unbalanced quotes in request\r\n"}},
		{name: "inline space after single quote", in: "ECHO 'a'\x0bb\r\n", want: []string{`["ECHO" "a" "b"]`}},
		{name: "inline NUL hides the LF", in: "PING\x00\r\nPING\r\n", rest: 13},
		{name: "inline too long", in: strings.Repeat("A", 70000), want: []string{"-ERR Protocol error: too big inline request\r\n"}},
		{name: "inline partial", in: "PIN", rest: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d resp.Decoder
			got, rest := decodeAll(&d, []byte(tc.in))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || rest != tc.rest {
				t.Errorf("got %q with %d bytes left\nwant %q with %d", got, rest, tc.want, tc.rest)
			}
			// Byte by byte, with each call given all input not yet
			// consumed, as OnData is: the same commands.
			var inc resp.Decoder
			var all []string
			start, step := 0, 1
			if len(tc.in) > 1000 {
				step = 997
			}
			for end := 1; ; end = min(end+step, len(tc.in)) {
				got, rest := decodeAll(&inc, []byte(tc.in[start:end]))
				all = append(all, got...)
				if len(got) > 0 && strings.HasPrefix(got[len(got)-1], "-") {
					break
				}
				start = end - rest
				if end == len(tc.in) {
					break
				}
			}
			if fmt.Sprint(all) != fmt.Sprint(tc.want) {
				t.Errorf("byte by byte: got %q, want %q", all, tc.want)
			}
		})
	}
}

func TestSplitAtEOF(t *testing.T) {
	var d resp.Decoder
	if _, _, err := d.Split([]byte("*1\r\n$4\r\nPI"), true); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("partial command at EOF: %v, want io.ErrUnexpectedEOF", err)
	}
	if n, args, err := d.Split([]byte("PING\r\n"), true); n != 6 || len(args) != 1 || err != nil {
		t.Errorf("after EOF error and new input: %d %q %v", n, args, err)
	}
}

func TestErrorsMatchProtocol(t *testing.T) {
	var d resp.Decoder
	for _, in := range []string{"*x\r\n", "*1\r\n+\r\n", "\"\r\n"} {
		_, _, err := d.Split([]byte(in), false)
		if !errors.Is(err, resp.ErrProtocol) {
			t.Errorf("%q: %v does not match ErrProtocol", in, err)
		}
		d.Reset()
	}
}

func TestDecoderReuseAfterOtherInput(t *testing.T) {
	var d resp.Decoder
	d.Split([]byte("*2\r\n$4\r\nECHO\r\n$5\r\nhel"), false) // partial: place kept
	d.Reset()
	n, args, err := d.Split([]byte("*1\r\n$4\r\nPING\r\n"), false)
	if err != nil || n != 14 || len(args) != 1 || string(args[0]) != "PING" {
		t.Fatalf("after Reset: %d %q %v", n, args, err)
	}
	// Shorter input than the partial command had is not a resumption.
	d.Split([]byte("*2\r\n$4\r\nECHO\r\n$5\r\nhel"), false)
	if n, args, _ := d.Split([]byte("PING\r\n"), false); n != 6 || string(args[0]) != "PING" {
		t.Fatalf("shorter input after a partial command: %d %q", n, args)
	}
}

func TestAppend(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{string(resp.AppendSimple(nil, "OK")), "+OK\r\n"},
		{string(resp.AppendError(nil, "ERR bad\r\nthing")), "-ERR bad  thing\r\n"},
		{string(resp.AppendInt(nil, -42)), ":-42\r\n"},
		{string(resp.AppendBulk(nil, []byte("a\r\nb"))), "$4\r\na\r\nb\r\n"},
		{string(resp.AppendBulkString(nil, "")), "$0\r\n\r\n"},
		{string(resp.AppendNull(nil)), "$-1\r\n"},
		{string(resp.AppendArray(nil, 2)), "*2\r\n"},
		{string(resp.AppendCommand(nil, "SET", "k", "v")), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"},
		{string(resp.AppendErr(nil, resp.ErrInvalidBulkLength)), "-ERR Protocol error: invalid bulk length\r\n"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestParseInt(t *testing.T) {
	for _, tc := range []struct {
		in string
		n  int64
		ok bool
	}{
		{"0", 0, true}, {"-1", -1, true}, {"9223372036854775807", 1<<63 - 1, true},
		{"-9223372036854775808", -1 << 63, true}, {"9223372036854775808", 0, false},
		{"-0", 0, false}, {"01", 0, false}, {"+5", 0, false}, {" 5", 0, false}, {"", 0, false}, {"-", 0, false},
		{"99999999999999999999", 0, false}, {"1e3", 0, false},
	} {
		n, ok := resp.ParseInt([]byte(tc.in))
		if n != tc.n || ok != tc.ok {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.n, tc.ok)
		}
	}
}

func TestAllocs(t *testing.T) {
	var d resp.Decoder
	in := []byte("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\nSET \"a b\" c\r\n*1\r\n$4\r\nPI")
	out := make([]byte, 0, 256)
	run := func() {
		rest := in
		for {
			n, args, err := d.Split(rest, false)
			if n == 0 || err != nil {
				break
			}
			out = resp.AppendBulk(out[:0], args[len(args)-1])
			out = resp.AppendInt(out, 12345)
			out = resp.AppendErr(out, resp.ErrInvalidMultibulkLength)
			rest = rest[n:]
		}
	}
	run()
	if n := testing.AllocsPerRun(1000, run); n != 0 {
		t.Errorf("%v allocations per pipeline, want 0", n)
	}
}

func BenchmarkSplit(b *testing.B) {
	for _, bc := range []struct {
		name string
		in   []byte
	}{
		{"form=array/cmd=get", resp.AppendCommand(nil, "GET", "key:000000000001")},
		{"form=array/cmd=set", resp.AppendCommand(nil, "SET", "key:000000000001", strings.Repeat("v", 100))},
		{"form=inline/cmd=get", []byte("GET key:000000000001\r\n")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var d resp.Decoder
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				if n, _, _ := d.Split(bc.in, false); n != len(bc.in) {
					b.Fatal(n)
				}
			}
		})
	}
}

var _ = bytes.Equal
