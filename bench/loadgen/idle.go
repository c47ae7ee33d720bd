package loadgen

import (
	"context"
	"fmt"
	"io"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// OpenIdle opens n connections to addr and makes one one-byte echo round
// trip on each, so that when it returns the server has accepted and served
// every one of them; then they sit idle until the caller closes them.
//
// A client address has about 28,000 ephemeral ports, so more connections
// than that to one server address need several source addresses: sources
// lists local IPs (such as 127.0.0.2, 127.0.0.3 — all of 127.0.0.0/8 is
// loopback on Linux) used in turn, perSource connections each. With no
// sources, the system picks.
func OpenIdle(ctx context.Context, addr string, n int, sources []string, perSource int) ([]net.Conn, error) {
	conns := make([]net.Conn, 0, n)
	fail := func(err error) ([]net.Conn, error) {
		for _, c := range conns {
			c.Close()
		}
		return nil, fmt.Errorf("loadgen: idle connection %d of %d: %w", len(conns)+1, n, err)
	}
	var one [1]byte
	for i := range n {
		var d net.Dialer
		if len(sources) > 0 {
			src := sources[min(i/max(perSource, 1), len(sources)-1)]
			d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
			d.Control = bindAddressNoPort
		}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return fail(err)
		}
		conns = append(conns, c)
		one[0] = byte(i)
		if _, err := c.Write(one[:]); err != nil {
			return fail(err)
		}
		if _, err := io.ReadFull(c, one[:]); err != nil {
			return fail(err)
		}
		if one[0] != byte(i) {
			return fail(fmt.Errorf("echoed %#x, want %#x", one[0], byte(i)))
		}
	}
	return conns, nil
}

// bindAddressNoPort lets the kernel choose the source port at connect time,
// knowing the destination, instead of at bind time: otherwise binding to a
// source IP needs a port free for every destination, and ports still in
// TIME_WAIT from earlier runs make bind fail long before the range is used.
func bindAddressNoPort(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
