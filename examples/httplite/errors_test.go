package main

import (
	"os"
	"syscall"
)

var (
	// syscallReset is what a client may read when the server closes with
	// unread input: the kernel answers it with RST.
	syscallReset = syscall.ECONNRESET
	// errTimeout is a client-side read deadline, which tests treat as the
	// server failing to close in time.
	errTimeout = os.ErrDeadlineExceeded
)
