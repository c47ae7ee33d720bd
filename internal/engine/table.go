package engine

// tableChunk is how many entries a Table adds at a time: 512 pointers are
// one 4 KiB page.
const tableChunk = 512

// Table is an array indexed by small integers (file descriptors, slots,
// positions) that grows in fixed chunks. Growing it never copies the
// entries or leaves the old array behind as garbage, as appending to a
// slice does: at 10,000 connections a per-connection slice grown by
// append left about four times its final size in dead arrays, 50 bytes of
// resident memory per connection for the two such slices of a reactor
// loop. A lookup costs one more load than a slice's. The zero Table is
// empty and ready to use; entries not yet set read as the zero T. Loop only.
type Table[T any] struct {
	chunks []*[tableChunk]T
}

// Len returns how many entries the table has room for without growing;
// every index below it is valid for Get.
func (t *Table[T]) Len() int { return len(t.chunks) * tableChunk }

// Get returns entry i, or the zero T if i is beyond the table.
func (t *Table[T]) Get(i int) T {
	if c := i / tableChunk; uint(c) < uint(len(t.chunks)) {
		return t.chunks[c][i%tableChunk]
	}
	var zero T
	return zero
}

// Set stores v at i, growing the table to hold it.
func (t *Table[T]) Set(i int, v T) {
	for i/tableChunk >= len(t.chunks) {
		t.chunks = append(t.chunks, new([tableChunk]T))
	}
	t.chunks[i/tableChunk][i%tableChunk] = v
}
