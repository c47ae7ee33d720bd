package peers

import (
	"errors"
	"io"
	"net"
	"net/http"
)

func init() {
	Register(Server{
		Name:  "std",
		Modes: []Mode{Echo, HTTP},
		Config: map[Mode]string{
			Echo: "net.Listen, one goroutine per connection, Read/Write with a 32 KiB buffer (io.Copy's size; io.Copy itself is avoided because it may splice); GOMAXPROCS = loops",
			HTTP: "net/http.Server, default settings, a HandlerFunc writing the body; GOMAXPROCS = loops",
		},
		Start: startStd,
	})
}

func startStd(opt Options) (io.Closer, error) {
	ln, err := net.Listen("tcp", opt.Addr)
	if err != nil {
		return nil, err
	}
	switch opt.Mode {
	case HTTP:
		srv := &http.Server{Handler: http.HandlerFunc(writeHello)}
		go srv.Serve(ln)
		return srv, nil
	case Echo:
		go acceptEcho(ln)
		return ln, nil
	}
	ln.Close()
	return nil, errNoMode
}

func acceptEcho(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		go echoConn(c)
	}
}

func echoConn(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
