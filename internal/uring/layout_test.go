//go:build linux

package uring

import (
	"testing"
	"unsafe"
)

// TestLayout checks the Go mirrors of the kernel structs against the sizes
// and offsets of the kernel UAPI header.
func TestLayout(t *testing.T) {
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof sqe", unsafe.Sizeof(SQE{}), 64},
		{"sqe.fd", unsafe.Offsetof(SQE{}.Fd), 4},
		{"sqe.addr", unsafe.Offsetof(SQE{}.Addr), 16},
		{"sqe.len", unsafe.Offsetof(SQE{}.Len), 24},
		{"sqe.op_flags", unsafe.Offsetof(SQE{}.OpFlags), 28},
		{"sqe.user_data", unsafe.Offsetof(SQE{}.UserData), 32},
		{"sqe.buf_index", unsafe.Offsetof(SQE{}.BufIndex), 40},
		{"sqe.file_index", unsafe.Offsetof(SQE{}.FileIndex), 44},
		{"sqe.addr3", unsafe.Offsetof(SQE{}.Addr3), 48},
		{"sizeof cqe", unsafe.Sizeof(CQE{}), 16},
		{"cqe.res", unsafe.Offsetof(CQE{}.Res), 8},
		{"sizeof params", unsafe.Sizeof(params{}), 120},
		{"params.sq_off", unsafe.Offsetof(params{}.sqOff), 40},
		{"params.cq_off", unsafe.Offsetof(params{}.cqOff), 80},
		{"sizeof getevents_arg", unsafe.Sizeof(getEventsArg{}), 24},
		{"sizeof rsrc_update", unsafe.Sizeof(rsrcUpdate{}), 16},
		{"sizeof buf_reg", unsafe.Sizeof(bufReg{}), 40},
		{"sizeof buf", unsafe.Sizeof(bufEntry{}), 16},
		{"buf.resv (ring tail)", unsafe.Offsetof(bufEntry{}.resv), 14},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}
