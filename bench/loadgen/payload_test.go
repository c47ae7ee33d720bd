package loadgen

import "testing"

func TestPayloadCheck(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		seq    uint64
		mutate func(m []byte)
		ok     bool
	}{
		{name: "intact 64B", size: 64, seq: 42, ok: true},
		{name: "intact 1B", size: 1, seq: 7, ok: true},
		{name: "intact 16KiB", size: 16 << 10, seq: 1 << 40, ok: true},
		{name: "flipped payload byte", size: 64, seq: 1, mutate: func(m []byte) { m[40] ^= 1 }},
		{name: "flipped last byte", size: 16 << 10, seq: 1, mutate: func(m []byte) { m[len(m)-1] ^= 0x80 }},
		{name: "wrong sequence", size: 64, seq: 3, mutate: func(m []byte) { m[0]++ }},
		{name: "1B wrong sequence", size: 1, seq: 3, mutate: func(m []byte) { m[0]++ }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPayload(tt.size, 5)
			m := make([]byte, tt.size)
			p.put(m, tt.seq)
			if tt.mutate != nil {
				tt.mutate(m)
			}
			if got := p.check(m, tt.seq); got != tt.ok {
				t.Fatalf("check = %v, want %v", got, tt.ok)
			}
		})
	}
}

func TestPayloadDiffersBetweenConnections(t *testing.T) {
	a, b := newPayload(64, 1), newPayload(64, 2)
	m := make([]byte, 64)
	a.put(m, 9)
	if b.check(m, 9) {
		t.Fatal("connection 2 accepted connection 1's message")
	}
}
