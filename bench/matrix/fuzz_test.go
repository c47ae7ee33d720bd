package matrix

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParseWrk feeds parseWrk arbitrary wrk output. It must never panic;
// what it accepts must come from a RESULT line; and a result it accepted
// must read back the same once written out as such a line.
func FuzzParseWrk(f *testing.F) {
	f.Add("RESULT {\"requests\":10,\"duration_us\":1000000,\"errors\":{\"status\":1}}\n")
	f.Add("Running 1s test\n  1 threads and 10 connections\nRequests/sec: 1\n")
	f.Add("RESULT {")
	f.Fuzz(func(t *testing.T, out string) {
		r, err := parseWrk(out)
		if err != nil {
			return
		}
		if !strings.Contains(out, "RESULT ") {
			t.Fatalf("accepted output without a RESULT line: %q", out)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseWrk("noise\nRESULT " + string(b) + "\n")
		if err != nil || again != r {
			t.Fatalf("round trip: %+v, %v; want %+v", again, err, r)
		}
	})
}
