package http1_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netloop/netloop/codec/http1"
)

// TestResponseReadable checks what Append writes with the standard
// library's client-side parser, the strictest reader at hand.
func TestResponseReadable(t *testing.T) {
	tests := []struct {
		name       string
		resp       http1.Response
		status     int
		close      bool
		connection string
	}{
		{name: "plaintext", resp: http1.Response{ContentType: "text/plain", Body: []byte("Hello, World!")}, status: 200},
		{name: "close", resp: http1.Response{Status: 404, Close: true}, status: 404, close: true, connection: "close"},
		{name: "1.0 keep-alive", resp: http1.Response{Body: []byte("x"), KeepAlive: true}, status: 200, connection: "keep-alive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.resp.Append(nil)
			res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
			if err != nil {
				t.Fatalf("ReadResponse(%q): %v", raw, err)
			}
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status || !bytes.Equal(body, tt.resp.Body) || res.Close != tt.close {
				t.Errorf("status %d body %q close %v, want %d %q %v", res.StatusCode, body, res.Close, tt.status, tt.resp.Body, tt.close)
			}
			// net/http reports "close" as res.Close and drops the field.
			if got := res.Header.Get("Connection"); !tt.close && got != tt.connection {
				t.Errorf("Connection %q, want %q", got, tt.connection)
			}
			if res.Header.Get("Server") != http1.ServerName || res.Header.Get("Content-Type") != tt.resp.ContentType {
				t.Errorf("headers %v", res.Header)
			}
			if _, err := http.ParseTime(res.Header.Get("Date")); err != nil {
				t.Errorf("Date: %v", err)
			}
		})
	}
}

func TestAppendError(t *testing.T) {
	raw := string(http1.AppendError(nil, http1.ErrMissingHost))
	want := regexp.MustCompile(`^HTTP/1.1 400 Bad Request\r\n(.*\r\n)*Connection: close\r\n\r\nmissing Host header$`)
	if !want.MatchString(raw) {
		t.Errorf("got %q", raw)
	}
}

// TestAppendStatusLine checks the status digits against strconv at every
// three-digit code and at the edges, where the general conversion takes over.
// BenchmarkResponseDated writes a response with the clock reading given,
// as a server answering a batch of pipelined requests does.
func BenchmarkResponseDated(b *testing.B) {
	buf := make([]byte, 0, 512)
	w := http1.Response{ContentType: "text/plain; charset=utf-8", Body: []byte("Hello, World!"), Date: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		buf = w.Append(buf[:0])
	}
}

func TestAppendStatusLine(t *testing.T) {
	for _, status := range append([]int{0, 7, 42, 99, 1000, 12345, -1}, func() (s []int) {
		for c := 100; c <= 999; c++ {
			s = append(s, c)
		}
		return s
	}()...) {
		want := "HTTP/1.1 " + strconv.Itoa(status) + " " + http1.StatusText(status) + "\r\n"
		if got := string(http1.AppendStatusLine(nil, status)); got != want {
			t.Fatalf("AppendStatusLine(%d) = %q, want %q", status, got, want)
		}
	}
}

func TestDateFormat(t *testing.T) {
	d := http1.AppendDate(nil)
	if !regexp.MustCompile(`^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$`).Match(d) {
		t.Errorf("Date %q is not an IMF-fixdate", d)
	}
}

func TestResponseAllocs(t *testing.T) {
	buf := make([]byte, 0, 512)
	w := http1.Response{ContentType: "text/plain", Body: []byte("Hello, World!")}
	allocs := testing.AllocsPerRun(100, func() {
		buf = w.Append(buf[:0])
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per response, want 0", allocs)
	}
}

func BenchmarkResponse(b *testing.B) {
	buf := make([]byte, 0, 512)
	w := http1.Response{ContentType: "text/plain", Body: []byte("Hello, World!")}
	b.ReportAllocs()
	for b.Loop() {
		buf = w.Append(buf[:0])
	}
}

func TestResponseDate(t *testing.T) {
	at := time.Date(2026, 11, 30, 4, 5, 6, 0, time.UTC)
	w := http1.Response{Date: at.In(time.FixedZone("X", 3600))}
	if got := string(w.Append(nil)); !strings.Contains(got, "\r\nDate: Mon, 30 Nov 2026 04:05:06 GMT\r\n") {
		t.Errorf("response %q lacks the given date in GMT", got)
	}
}

func TestResponseWithoutBody(t *testing.T) {
	for _, tc := range []struct {
		name       string
		w          http1.Response
		wantLength string // "" for no Content-Length header
		wantBody   string
	}{
		{name: "HEAD", w: http1.Response{Body: []byte("hello"), OmitBody: true}, wantLength: "5"},
		{name: "204", w: http1.Response{Status: 204, Body: []byte("ignored")}},
		{name: "200", w: http1.Response{Body: []byte("hello")}, wantLength: "5", wantBody: "hello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := string(tc.w.Append(nil))
			head, body, _ := strings.Cut(out, "\r\n\r\n")
			_, length, found := strings.Cut(head, "Content-Length: ")
			if length, _, _ = strings.Cut(length, "\r\n"); !found {
				length = ""
			}
			if length != tc.wantLength || body != tc.wantBody {
				t.Errorf("Content-Length %q body %q, want %q %q\n%s", length, body, tc.wantLength, tc.wantBody, out)
			}
		})
	}
}

// TestResponseStart checks that the one copy Append makes of a 200
// response's first lines is what the general path writes for the others.
func TestResponseStart(t *testing.T) {
	for _, status := range []int{0, 200, 201, 204, 404, 503} {
		code := status
		if code == 0 {
			code = 200
		}
		want := string(http1.AppendStatusLine(nil, code)) + "Server: " + http1.ServerName + "\r\nDate: "
		if got := string((&http1.Response{Status: status}).Append(nil)); !strings.HasPrefix(got, want) {
			t.Errorf("status %d: %q, want it to start %q", status, got, want)
		}
	}
}
