package conntest

import (
	"syscall"
	"testing"
	"time"
)

// exhaustDescriptors lowers the process's descriptor limit and fills it,
// leaving exactly one descriptor free, and returns what undoes both; the
// returned function may be called more than once.
func exhaustDescriptors(t *testing.T) (release func()) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	restore := lim
	lim.Cur = uint64(countFDs(t) + 64)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
	var filler []int
	release = func() {
		for _, fd := range filler {
			syscall.Close(fd)
		}
		filler = nil
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &restore)
	}
	for {
		fd, err := syscall.Dup(0)
		if err != nil {
			break
		}
		filler = append(filler, fd)
	}
	syscall.Close(filler[len(filler)-1])
	filler = filler[:len(filler)-1]
	return release
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
