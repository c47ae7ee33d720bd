//go:build (darwin || linux || openbsd) && !netloop_blockingio

package goroutine

import "golang.org/x/sys/unix"

// writev writes vec, one block or several, with one system call.
func writev(fd int, vec [][]byte) (int, error) {
	if len(vec) == 1 {
		return unix.Write(fd, vec[0])
	}
	return unix.Writev(fd, vec)
}
