package engine

import (
	"errors"
	"fmt"
	"os"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/socket"
)

// Listening is implemented by an engine's loop that listens on a
// descriptor of its own: ListenFD returns it, or -1 once the loop has
// stopped accepting. It is called on the loop's goroutine, or before
// Serve.
type Listening interface {
	ListenFD() int
}

// ListenerFiles returns a duplicate of every loop's listening socket, in
// loop order, for handing them to another process; see
// conn.ListenerFiler. Loops that share one listener (ListenFD returns the
// same descriptor) give it once. The caller closes the files.
func (s *LoopServer[R]) ListenerFiles() ([]*os.File, error) {
	fds := make([]int, len(s.loops))
	for i, l := range s.loops {
		ln, ok := any(l).(Listening)
		if !ok {
			return nil, fmt.Errorf("netloop: the %s engine cannot hand its listeners over", s.engine)
		}
		if !s.served.Load() {
			fds[i] = ln.ListenFD()
			continue
		}
		got := make(chan int, 1)
		if l.Kit().Post(func() { got <- ln.ListenFD() }) != nil {
			return nil, conn.ErrServerClosed
		}
		select {
		case fds[i] = <-got:
		case <-s.done:
			return nil, conn.ErrServerClosed
		}
	}
	var files []*os.File
	seen := map[int]bool{} // loops that share one listener give it once
	for i, fd := range fds {
		if fd >= 0 && seen[fd] {
			continue
		}
		seen[fd] = true
		var err error
		var f *os.File
		if fd < 0 {
			err = errors.New("netloop: server no longer accepting")
		} else {
			f, err = socket.Dup(fd, fmt.Sprintf("netloop-listener-%d", i))
		}
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}
