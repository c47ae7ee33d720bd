package matrix

import (
	"encoding/json"
	"errors"
	"strings"
)

// wrkResult is the line scripts/http.lua prints when wrk finishes.
type wrkResult struct {
	Requests   int64     `json:"requests"`
	DurationUS int64     `json:"duration_us"`
	Bytes      int64     `json:"bytes"`
	Errors     wrkErrors `json:"errors"`
	P50        float64   `json:"p50_us"`
	P90        float64   `json:"p90_us"`
	P99        float64   `json:"p99_us"`
	P999       float64   `json:"p999_us"`
	Max        float64   `json:"max_us"`
	Mean       float64   `json:"mean_us"`
	Pipeline   int       `json:"pipeline"`
}

type wrkErrors struct {
	Connect int64 `json:"connect"`
	Read    int64 `json:"read"`
	Write   int64 `json:"write"`
	Status  int64 `json:"status"` // responses other than 2xx and 3xx
	Timeout int64 `json:"timeout"`
}

func (e wrkErrors) total() int64 { return e.Connect + e.Read + e.Write + e.Status + e.Timeout }

func (r wrkResult) perSec() float64 {
	if r.DurationUS <= 0 {
		return 0
	}
	return float64(r.Requests) / (float64(r.DurationUS) / 1e6)
}

// parseWrk finds the RESULT line in wrk's output.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	for line := range strings.SplitSeq(out, "\n") {
		if js, ok := strings.CutPrefix(line, "RESULT "); ok {
			err := json.Unmarshal([]byte(js), &r)
			return r, err
		}
	}
	return r, errors.New("wrk printed no RESULT line (is scripts/http.lua in use?)")
}
