package http1

import (
	"sync/atomic"
	"time"
)

// imfFixdate is the layout of HTTP dates (RFC 9110 §5.6.7), always in GMT.
const imfFixdate = "Mon, 02 Jan 2006 15:04:05 GMT"

// dateValue is the Date header value for one second.
type dateValue struct {
	unix int64
	text [len(imfFixdate)]byte
}

// date caches the current second's Date value, shared by every loop.
var date atomic.Pointer[dateValue]

// AppendDate appends the current time as an HTTP date. It formats the date
// at most about once per second (one small allocation then, none otherwise)
// and reads the cached text the rest of the time.
func AppendDate(dst []byte) []byte {
	return append(dst, currentDate(time.Now())[:]...)
}

func currentDate(now time.Time) *[len(imfFixdate)]byte {
	sec := now.Unix()
	d := date.Load()
	if d == nil || d.unix != sec {
		// Loops racing here each format the same text; whichever store
		// lands last wins, and both are correct.
		d = &dateValue{unix: sec}
		now.UTC().AppendFormat(d.text[:0], imfFixdate)
		date.Store(d)
	}
	return &d.text
}
