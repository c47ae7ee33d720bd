//go:build unix && !(darwin || linux || openbsd) && !netloop_blockingio

package goroutine

import "syscall"

// writev writes the first block of vec: golang.org/x/sys/unix has no
// Writev here. The rest waits for the next write.
func writev(fd int, vec [][]byte) (int, error) { return syscall.Write(fd, vec[0]) }
