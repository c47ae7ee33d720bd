package codec_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/netloop/netloop/codec"
)

// frames collects what split yields over in, the way an OnData handler sees
// it, and how many bytes were consumed.
func frames(t *testing.T, split bufio.SplitFunc, in []byte) ([]string, int, error) {
	t.Helper()
	var got []string
	n, err := codec.Each(in, split, func(f []byte) error {
		got = append(got, string(f))
		return nil
	})
	return got, n, err
}

type splitCase struct {
	name     string
	in       string
	atEOF    bool
	advance  int
	token    string
	hasToken bool
	err      error
}

func runSplit(t *testing.T, split bufio.SplitFunc, tests []splitCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			advance, token, err := split([]byte(tt.in), tt.atEOF)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if advance != tt.advance {
				t.Errorf("advance = %d, want %d", advance, tt.advance)
			}
			if (token != nil) != tt.hasToken || string(token) != tt.token {
				t.Errorf("token = %q (nil %v), want %q (present %v)", token, token == nil, tt.token, tt.hasToken)
			}
		})
	}
}

func TestDelimiterSplit(t *testing.T) {
	t.Run("lines", func(t *testing.T) {
		runSplit(t, codec.Delimiter{Max: 8}.Split, []splitCase{
			{name: "LF", in: "abc\nrest", advance: 4, token: "abc", hasToken: true},
			{name: "CRLF", in: "abc\r\nrest", advance: 5, token: "abc", hasToken: true},
			{name: "empty line", in: "\r\n", advance: 2, token: "", hasToken: true},
			{name: "CR only inside", in: "a\rb\n", advance: 4, token: "a\rb", hasToken: true},
			{name: "need more", in: "abc"},
			{name: "need more after CR", in: "abc\r"},
			{name: "exactly max with CRLF", in: "12345678\r\n", advance: 10, token: "12345678", hasToken: true},
			{name: "exactly max with LF", in: "12345678\n", advance: 9, token: "12345678", hasToken: true},
			{name: "one over max", in: "123456789\n", err: codec.ErrFrameTooLarge},
			{name: "over max without delimiter", in: "1234567890", err: codec.ErrFrameTooLarge},
			{name: "max plus CR is still pending", in: "12345678\r"},
			{name: "partial at EOF", in: "abc", atEOF: true, err: io.ErrUnexpectedEOF},
			{name: "empty at EOF", in: "", atEOF: true},
		})
	})
	t.Run("custom", func(t *testing.T) {
		runSplit(t, codec.Delimiter{Delim: []byte("||"), Max: 4}.Split, []splitCase{
			{name: "frame", in: "ab||cd", advance: 4, token: "ab", hasToken: true},
			{name: "half delimiter", in: "ab|"},
			{name: "LF is data", in: "a\nb||", advance: 5, token: "a\nb", hasToken: true},
			{name: "max", in: "abcd||", advance: 6, token: "abcd", hasToken: true},
			{name: "too large", in: "abcde|", err: codec.ErrFrameTooLarge},
		})
	})
}

func TestFixedLengthSplit(t *testing.T) {
	runSplit(t, codec.FixedLength(3).Split, []splitCase{
		{name: "exact", in: "abc", advance: 3, token: "abc", hasToken: true},
		{name: "more", in: "abcde", advance: 3, token: "abc", hasToken: true},
		{name: "need more", in: "ab"},
		{name: "partial at EOF", in: "ab", atEOF: true, err: io.ErrUnexpectedEOF},
	})
	runSplit(t, codec.FixedLength(0).Split, []splitCase{
		{name: "zero size", in: "ab", err: codec.ErrConfig},
	})
}

func TestLengthFieldSplit(t *testing.T) {
	tests := []struct {
		name  string
		codec codec.LengthField
		cases []splitCase
	}{
		{
			name:  "u16 big endian payload only",
			codec: codec.LengthField{Size: 2, Strip: 2},
			cases: []splitCase{
				{name: "frame", in: "\x00\x03abcX", advance: 5, token: "abc", hasToken: true},
				{name: "empty", in: "\x00\x00", advance: 2, token: "", hasToken: true},
				{name: "header pending", in: "\x00"},
				{name: "body pending", in: "\x00\x03ab"},
				{name: "body cut at EOF", in: "\x00\x03ab", atEOF: true, err: io.ErrUnexpectedEOF},
				{name: "too large from header alone", in: "\xff\xff", err: codec.ErrFrameTooLarge},
			},
		},
		{
			name:  "u32 little endian keep header",
			codec: codec.LengthField{Size: 4, LittleEndian: true},
			cases: []splitCase{
				{name: "frame", in: "\x02\x00\x00\x00hi", advance: 6, token: "\x02\x00\x00\x00hi", hasToken: true},
			},
		},
		{
			name:  "offset and whole-frame length",
			codec: codec.LengthField{Offset: 2, Size: 1, Adjustment: -3, Strip: 3, Max: 10},
			cases: []splitCase{
				{name: "frame", in: "T1\x05ab", advance: 5, token: "ab", hasToken: true},
				{name: "shorter than header", in: "T1\x02", err: codec.ErrBadLength},
				{name: "max", in: "T1\x0a1234567", advance: 10, token: "1234567", hasToken: true},
				{name: "over max", in: "T1\x0b", err: codec.ErrFrameTooLarge},
			},
		},
		{
			name:  "u8 with strip beyond frame",
			codec: codec.LengthField{Size: 1, Strip: 4},
			cases: []splitCase{
				{name: "frame shorter than strip", in: "\x01a", err: codec.ErrBadLength},
				{name: "frame equal to strip", in: "\x03abc", advance: 4, token: "", hasToken: true},
			},
		},
		{
			name:  "u64 huge value",
			codec: codec.LengthField{Size: 8},
			cases: []splitCase{
				{name: "does not overflow", in: "\xff\xff\xff\xff\xff\xff\xff\xff", err: codec.ErrFrameTooLarge},
				{name: "frame", in: "\x00\x00\x00\x00\x00\x00\x00\x01z", advance: 9, token: "\x00\x00\x00\x00\x00\x00\x00\x01z", hasToken: true},
			},
		},
		{
			name:  "invalid size",
			codec: codec.LengthField{Size: 3},
			cases: []splitCase{{name: "config", in: "abc", err: codec.ErrConfig}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSplit(t, tt.codec.Split, tt.cases) })
	}
}

func TestLengthFieldAppend(t *testing.T) {
	tests := []struct {
		name    string
		codec   codec.LengthField
		header  string
		payload string
		want    string
		err     error
	}{
		{name: "u16", codec: codec.LengthField{Size: 2}, payload: "abc", want: "\x00\x03abc"},
		{name: "u16 little", codec: codec.LengthField{Size: 2, LittleEndian: true}, payload: "ab", want: "\x02\x00ab"},
		{name: "u64", codec: codec.LengthField{Size: 8}, payload: "a", want: "\x00\x00\x00\x00\x00\x00\x00\x01a"},
		{name: "whole frame", codec: codec.LengthField{Offset: 1, Size: 1, Adjustment: -2}, header: "T", payload: "ab", want: "T\x04ab"},
		{name: "u8 overflow", codec: codec.LengthField{Size: 1, Max: 1000}, payload: strings.Repeat("x", 256), err: codec.ErrBadLength},
		{name: "negative field", codec: codec.LengthField{Size: 1, Adjustment: 5}, payload: "abc", err: codec.ErrBadLength},
		{name: "too large", codec: codec.LengthField{Size: 1, Max: 3}, payload: "abc", err: codec.ErrFrameTooLarge},
		{name: "wrong header length", codec: codec.LengthField{Offset: 2, Size: 1}, header: "T", payload: "a", err: codec.ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.codec.Append(nil, []byte(tt.header), []byte(tt.payload))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if err != nil {
				return
			}
			// What Append writes, Split must read back whole.
			n, frame, err := tt.codec.Split(got, true)
			if err != nil || n != len(got) || string(frame) != tt.want {
				t.Fatalf("Split(Append) = %d, %q, %v", n, frame, err)
			}
		})
	}
}

func TestDelimiterAppend(t *testing.T) {
	tests := []struct {
		name  string
		codec codec.Delimiter
		frame string
		want  string
		err   error
	}{
		{name: "LF", frame: "hi", want: "hi\n"},
		{name: "CRLF", codec: codec.Delimiter{CRLF: true}, frame: "hi", want: "hi\r\n"},
		{name: "line with LF", frame: "a\nb", err: codec.ErrDelimiterInFrame},
		{name: "line with CR", frame: "a\r", err: codec.ErrDelimiterInFrame},
		{name: "custom", codec: codec.Delimiter{Delim: []byte{0}}, frame: "a\nb", want: "a\nb\x00"},
		{name: "custom contains", codec: codec.Delimiter{Delim: []byte{0}}, frame: "a\x00", err: codec.ErrDelimiterInFrame},
		{name: "too large", codec: codec.Delimiter{Max: 1}, frame: "ab", err: codec.ErrFrameTooLarge},
		{name: "self-overlapping delimiter", codec: codec.Delimiter{Delim: []byte("00")}, frame: "10", err: codec.ErrDelimiterInFrame},
		{name: "partial delimiter is data", codec: codec.Delimiter{Delim: []byte("01")}, frame: "10", want: "1001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.codec.Append([]byte("x"), []byte(tt.frame))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && string(got) != "x"+tt.want {
				t.Fatalf("got %q, want %q", got, "x"+tt.want)
			}
		})
	}
}

func TestFixedLengthAppend(t *testing.T) {
	if got, err := codec.FixedLength(2).Append(nil, []byte("ab")); err != nil || string(got) != "ab" {
		t.Errorf("Append(ab) = %q, %v", got, err)
	}
	if _, err := codec.FixedLength(2).Append(nil, []byte("abc")); !errors.Is(err, codec.ErrBadLength) {
		t.Errorf("Append(abc) err = %v, want ErrBadLength", err)
	}
}

func TestEach(t *testing.T) {
	tests := []struct {
		name     string
		split    bufio.SplitFunc
		in       string
		frames   []string
		consumed int
		err      error
	}{
		{name: "pipelined lines", split: codec.Delimiter{}.Split, in: "a\nbb\r\ncc", frames: []string{"a", "bb"}, consumed: 6},
		{name: "nothing complete", split: codec.Delimiter{}.Split, in: "abc"},
		{name: "error after frames", split: codec.Delimiter{Max: 2}.Split, in: "ab\nabc", frames: []string{"ab"}, consumed: 3, err: codec.ErrFrameTooLarge},
		{name: "fixed", split: codec.FixedLength(2).Split, in: "abcde", frames: []string{"ab", "cd"}, consumed: 4},
		{name: "final token", split: func(data []byte, atEOF bool) (int, []byte, error) {
			return 1, data[:1], bufio.ErrFinalToken
		}, in: "xyz", frames: []string{"x"}, consumed: 1},
		{name: "no progress", split: func(data []byte, atEOF bool) (int, []byte, error) {
			return 0, data[:0], nil
		}, in: "xyz", err: io.ErrNoProgress},
		{name: "bad advance", split: func(data []byte, atEOF bool) (int, []byte, error) {
			return len(data) + 1, nil, nil
		}, in: "xyz", err: bufio.ErrBadReadCount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := frames(t, tt.split, []byte(tt.in))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if n != tt.consumed || strings.Join(got, "|") != strings.Join(tt.frames, "|") {
				t.Fatalf("got %q consumed %d, want %q consumed %d", got, n, tt.frames, tt.consumed)
			}
		})
	}
}

// TestEachCallbackEnds checks that the frame callback can end the scan: a
// clean stop or a failure, each after the frame it was given, which counts
// as consumed, and with no later frame looked at.
func TestEachCallbackEnds(t *testing.T) {
	errBad := errors.New("bad command")
	tests := []struct {
		name     string
		ret      map[string]error // what fn returns for a frame
		frames   []string
		consumed int
		err      error
	}{
		{name: "all frames", frames: []string{"GET", "QUIT", "SET"}, consumed: 13},
		{name: "stop", ret: map[string]error{"QUIT": codec.ErrStop}, frames: []string{"GET", "QUIT"}, consumed: 9},
		{name: "wrapped stop", ret: map[string]error{"GET": fmt.Errorf("quit: %w", codec.ErrStop)}, frames: []string{"GET"}, consumed: 4},
		{name: "failure mid-pipeline", ret: map[string]error{"QUIT": errBad}, frames: []string{"GET", "QUIT"}, consumed: 9, err: errBad},
		{name: "failure on the last frame", ret: map[string]error{"SET": errBad}, frames: []string{"GET", "QUIT", "SET"}, consumed: 13, err: errBad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			n, err := codec.Each([]byte("GET\nQUIT\nSET\nDE"), codec.Delimiter{}.Split, func(f []byte) error {
				got = append(got, string(f))
				return tt.ret[string(f)]
			})
			if err != tt.err {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if n != tt.consumed || strings.Join(got, "|") != strings.Join(tt.frames, "|") {
				t.Fatalf("got %q consumed %d, want %q consumed %d", got, n, tt.frames, tt.consumed)
			}
		})
	}
}

// TestScanner checks that the decoders drive a bufio.Scanner, reading one
// byte at a time, to the same frames.
func TestScanner(t *testing.T) {
	lf := codec.LengthField{Size: 2, Strip: 2}
	var wire []byte
	for _, p := range []string{"one", "", "three"} {
		wire, _ = lf.Append(wire, nil, []byte(p))
	}
	tests := []struct {
		name  string
		split bufio.SplitFunc
		in    []byte
		want  []string
		err   error
	}{
		{name: "lines", split: codec.Delimiter{}.Split, in: []byte("a\r\nb\n\nc\n"), want: []string{"a", "b", "", "c"}},
		{name: "length field", split: lf.Split, in: wire, want: []string{"one", "", "three"}},
		{name: "truncated", split: codec.FixedLength(2).Split, in: []byte("abc"), want: []string{"ab"}, err: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := bufio.NewScanner(oneByteReader{bytes.NewReader(tt.in)})
			s.Split(tt.split)
			var got []string
			for s.Scan() {
				got = append(got, s.Text())
			}
			if !errors.Is(s.Err(), tt.err) {
				t.Fatalf("Err = %v, want %v", s.Err(), tt.err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestDecodeAllocs(t *testing.T) {
	lines := []byte("GET a\r\nSET b\nDEL c\r\n")
	lf := codec.LengthField{Offset: 1, Size: 4, Strip: 5}
	frame, _ := lf.Append(nil, []byte{7}, []byte("payload"))
	tests := []struct {
		name  string
		split bufio.SplitFunc
		in    []byte
	}{
		{name: "lines", split: codec.Delimiter{}.Split, in: lines},
		{name: "delimiter", split: codec.Delimiter{Delim: []byte("\x00\x00")}.Split, in: []byte("abc\x00\x00")},
		{name: "fixed", split: codec.FixedLength(4).Split, in: lines},
		{name: "length field", split: lf.Split, in: frame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			count := 0
			allocs := testing.AllocsPerRun(100, func() {
				n, _ := codec.Each(tt.in, tt.split, func(f []byte) error {
					count += len(f)
					return nil
				})
				if n == 0 {
					t.Fatal("no frame decoded")
				}
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per decode, want 0", allocs)
			}
		})
	}
}

// TestDelimiterHugeMax: "no practical limit" written as math.MaxInt must
// not overflow the search window.
func TestDelimiterHugeMax(t *testing.T) {
	for _, d := range []codec.Delimiter{{Max: math.MaxInt}, {Max: math.MaxInt - 1}, {Delim: []byte("\n"), Max: math.MaxInt}} {
		adv, tok, err := d.Split([]byte("ab\n"), false)
		if adv != 3 || string(tok) != "ab" || err != nil {
			t.Errorf("%+v: Split = %d, %q, %v; want 3, \"ab\", nil", d, adv, tok, err)
		}
	}
}
