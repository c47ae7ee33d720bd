package engine

import (
	"runtime"
	"testing"
)

func TestTable(t *testing.T) {
	var tb Table[*int]
	if tb.Len() != 0 || tb.Get(0) != nil || tb.Get(1<<20) != nil {
		t.Fatal("an empty table is not empty")
	}
	vals := make([]int, 3*tableChunk)
	for _, i := range []int{0, 1, tableChunk - 1, tableChunk, 3*tableChunk - 1} {
		tb.Set(i, &vals[i])
	}
	if tb.Len() != 3*tableChunk {
		t.Errorf("Len = %d, want %d", tb.Len(), 3*tableChunk)
	}
	for i := range tb.Len() + 10 {
		want := (*int)(nil)
		switch i {
		case 0, 1, tableChunk - 1, tableChunk, 3*tableChunk - 1:
			want = &vals[i]
		}
		if got := tb.Get(i); got != want {
			t.Errorf("Get(%d) = %p, want %p", i, got, want)
		}
	}
	tb.Set(1, nil)
	if tb.Get(1) != nil {
		t.Error("Set(1, nil) did not clear the entry")
	}
	var gens Table[uint32]
	gens.Set(700, gens.Get(700)+1)
	if gens.Get(700) != 1 || gens.Get(699) != 0 {
		t.Errorf("value table: got %d and %d, want 1 and 0", gens.Get(700), gens.Get(699))
	}
}

// TestTableGrowsWithoutGarbage: growing a table to 10,000 entries
// allocates little more than the entries themselves, where a slice grown
// by append allocates several times that in arrays it then drops.
func TestTableGrowsWithoutGarbage(t *testing.T) {
	const n = 10000
	var tb Table[*Core]
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range n {
		tb.Set(i, nil)
	}
	runtime.ReadMemStats(&after)
	// The chunks, rounded up to a whole one, the slice of them and some
	// slack for the runtime; append allocates about 310 KB here.
	limit := uint64((n/tableChunk+1)*tableChunk*8) * 3 / 2
	if got := after.TotalAlloc - before.TotalAlloc; got > limit {
		t.Errorf("growing to %d entries allocated %d bytes, want at most %d", n, got, limit)
	}
	runtime.KeepAlive(&tb)
}
