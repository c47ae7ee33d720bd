//go:build linux

package proactor

import "testing"

func TestUserData(t *testing.T) {
	tests := []struct {
		name      string
		kind      opKind
		slot, gen uint32
		wantGen   uint32
	}{
		{"loop-wide", opAccept, 0, 0, 0},
		{"first connection", opRecv, 0, 1, 1},
		{"large slot", opSend, 1<<32 - 1, 7, 7},
		{"generation wraps at 24 bits", opCancel, 3, 1<<24 + 5, 5},
	}
	for _, tt := range tests {
		kind, slot, gen := splitUserData(userData(tt.kind, tt.slot, tt.gen))
		if kind != tt.kind || slot != tt.slot || gen != tt.wantGen {
			t.Errorf("%s: got kind %d slot %d gen %d, want %d %d %d", tt.name, kind, slot, gen, tt.kind, tt.slot, tt.wantGen)
		}
	}
	if userData(opRecv, 1, 2) == userData(opRecv, 1, 3) {
		t.Error("generations of one slot share a user_data")
	}
}
