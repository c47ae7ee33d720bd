//go:build linux

package uring

import (
	"os"
	"unsafe"
)

// probeOps is the number of opcodes a probe asks about (the u8 last_op
// bounds it).
const probeOps = 256

type probeOp struct {
	op    uint8
	resv  uint8
	flags uint16
	resv2 uint32
}

type probeResult struct {
	lastOp uint8
	opsLen uint8
	resv   uint16
	resv2  [3]uint32
	ops    [probeOps]probeOp
}

// Probe lists the opcodes the kernel supports.
type Probe struct {
	res probeResult
}

// Probe asks the kernel which opcodes it supports.
func (r *Ring) Probe() (*Probe, error) {
	p := new(Probe)
	if _, err := r.register(registerProbe, unsafe.Pointer(&p.res), probeOps); err != nil {
		return nil, os.NewSyscallError("io_uring_register probe", err)
	}
	return p, nil
}

// Supports reports whether opcode op is supported.
func (p *Probe) Supports(op uint8) bool {
	const opSupported = 1
	return op <= p.res.lastOp && int(op) < int(p.res.opsLen) && p.res.ops[op].flags&opSupported != 0
}
