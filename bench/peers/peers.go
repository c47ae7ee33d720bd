// Package peers starts the servers that netloop is compared with — and,
// through the same registry, netloop itself — behind one small interface, so
// the load generator, wrk and the matrix runner treat them all alike.
//
// Every server is set up the way its own documentation shows for the job,
// with the number of event loops (or pollers, or GOMAXPROCS) as the only
// tuning: no peer is given special buffers, worker pools or socket options,
// and none is denied its defaults. Each Server's Config says exactly how it
// is configured.
package peers

import (
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sort"
	"sync"
	"time"
)

// Mode is what a server answers.
type Mode string

const (
	// Echo writes back every byte it receives.
	Echo Mode = "echo"
	// HTTP answers every HTTP/1.1 request, pipelined or not, with
	// "Hello, World!" as text/plain, keeping the connection alive.
	HTTP Mode = "http"
)

// Options are the settings every server takes.
type Options struct {
	Addr  string // host:port to listen on; it must name a port (not 0)
	Mode  Mode
	Loops int // event loops, pollers or threads; 0 means one per CPU
}

// A Server is one framework set up for one or both modes.
type Server struct {
	Name   string                           // short, used on the command line and in results
	Modes  []Mode                           // what it implements
	Config map[Mode]string                  // how it is configured, in words
	Start  func(Options) (io.Closer, error) // begins serving and returns at once; Close stops it
}

var (
	mu       sync.Mutex
	registry = map[string]Server{}
)

// Register makes s available under s.Name. It panics on a duplicate name.
func Register(s Server) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[s.Name]; dup {
		panic("peers: server registered twice: " + s.Name)
	}
	registry[s.Name] = s
}

// Lookup returns the server registered as name.
func Lookup(name string) (Server, bool) {
	mu.Lock()
	defer mu.Unlock()
	s, ok := registry[name]
	return s, ok
}

// Names returns the names of the servers that implement mode, sorted.
func Names(mode Mode) []string {
	mu.Lock()
	defer mu.Unlock()
	var names []string
	for name, s := range registry {
		if slices.Contains(s.Modes, mode) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// Start starts the server called name in opt.Mode and waits until it
// accepts connections on opt.Addr.
func Start(name string, opt Options) (io.Closer, error) {
	s, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("peers: no server %q (have %v and %v)", name, Names(Echo), Names(HTTP))
	}
	if !slices.Contains(s.Modes, opt.Mode) {
		return nil, fmt.Errorf("peers: %s does not implement %s", name, opt.Mode)
	}
	c, err := s.Start(opt)
	if err != nil {
		return nil, fmt.Errorf("peers: starting %s: %w", name, err)
	}
	if err := WaitListening(opt.Addr, 5*time.Second); err != nil {
		c.Close()
		return nil, fmt.Errorf("peers: %s: %w", name, err)
	}
	return c, nil
}

// WaitListening dials addr until a connection succeeds or timeout passes.
func WaitListening(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening on %s after %v: %w", addr, timeout, err)
		}
		time.Sleep(10 * time.Millisecond) // polling an external listener: there is nothing to wait on
	}
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago, for servers that cannot report the port they chose for ":0".
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// closerFunc adapts a function to io.Closer.
type closerFunc func() error

func (f closerFunc) Close() error { return f() }

var errNoMode = errors.New("mode not implemented")
