//go:build !linux

package goroutine

import (
	"net"
	"os"
	"strings"

	"github.com/netloop/netloop/conn"
)

// listen opens the server's listener: a Unix socket for "unix:PATH",
// else a TCP listener. Inherited listeners are Linux's only.
func listen(addr string, cfg conn.Config) (ln net.Listener, inherited bool, err error) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		ln, err := net.Listen("unix", path)
		if err != nil {
			return nil, false, err
		}
		ln.(*net.UnixListener).SetUnlinkOnClose(false) // Serve removes it
		return ln, false, nil
	}
	ln, err = listenTCP(addr, cfg)
	return ln, false, err
}

// removeUnix removes a Unix listener's socket file once Serve is done.
func removeUnix(a net.Addr) {
	if ua, ok := a.(*net.UnixAddr); ok && !strings.HasPrefix(ua.Name, "@") {
		os.Remove(ua.Name)
	}
}

// stopNow cannot take the listener's queue here; the acceptor stops the
// accepts instead.
func (a *acceptor) stopNow() bool { return false }

// dropQueued does nothing here: stopNow takes no connections.
func (a *acceptor) dropQueued() {}

// takeQueued does nothing here: the connections still queued when the
// listener closes are refused.
func (a *acceptor) takeQueued() {}
