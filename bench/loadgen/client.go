package loadgen

import (
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// The closed loop runs its connections on event loops of its own over raw
// non-blocking sockets, never given to Go's poller (which would otherwise be
// woken by every arrival too): io_uring where the kernel allows it
// (uring.go), epoll otherwise (epoll.go). This file holds what both share.

// client is one connection of the closed loop.
type client struct {
	fd, id   int
	slot     int32 // index in its loop's clients, the epoll user data
	pollOut  bool  // epoll: EPOLLOUT is armed, output is waiting for room
	readBusy bool  // io_uring: a read is in flight into in[have:]
	sendBusy bool  // io_uring: a send of out[outOff:outEnd] is in flight
	owed     int   // io_uring: messages to queue once the send in flight completes
	p        payload
	out      []byte // messages queued but not yet written: out[outOff:outEnd]
	outOff   int
	outEnd   int
	in       []byte // received bytes of an incomplete message at in[:have]
	have     int
	sentAt   []time.Time // ring: when message seq was queued is sentAt[seq%depth]
	sent     uint64      // sequence number of the next message to queue
	recvd    uint64      // sequence number of the next message expected back
	finished bool
}

// dialRaw opens a TCP connection to addr with a blocking connect (quick on
// the networks this tool is for), then makes it non-blocking with Nagle
// off, as Go's own dialer would.
func dialRaw(addr *net.TCPAddr) (int, error) {
	var sa unix.Sockaddr
	family := unix.AF_INET
	if ip4 := addr.IP.To4(); ip4 != nil {
		sa = &unix.SockaddrInet4{Port: addr.Port, Addr: [4]byte(ip4)}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: addr.Port, Addr: [16]byte(addr.IP.To16())}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	for {
		err = unix.Connect(fd, sa)
		if err != unix.EINTR {
			break
		}
	}
	if err == nil {
		err = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if err == nil {
		err = unix.SetNonblock(fd, true)
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// dialClients opens the closed loop's connections.
func dialClients(cfg Config) ([]*client, error) {
	addr, err := net.ResolveTCPAddr("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	cs := make([]*client, 0, cfg.Conns)
	for i := range cfg.Conns {
		fd, err := dialRaw(addr)
		if err != nil {
			closeClients(cs)
			return nil, fmt.Errorf("loadgen: opening connection %d of %d: %w", i+1, cfg.Conns, err)
		}
		cs = append(cs, &client{
			fd: fd, id: i, p: newPayload(cfg.Size, i),
			out:    make([]byte, cfg.Depth*cfg.Size),
			in:     make([]byte, cfg.Depth*cfg.Size),
			sentAt: make([]time.Time, cfg.Depth),
		})
	}
	return cs, nil
}

func closeClients(cs []*client) {
	for _, c := range cs {
		unix.Close(c.fd)
	}
}

// consume takes n bytes just received into c.in[c.have:], checks every
// message they complete and records its latency, appending the send times
// of the completed messages to done. It reports false if c failed.
func (r *run) consume(c *client, n int, done []time.Time, now time.Time) ([]time.Time, bool) {
	size, depth := r.cfg.Size, uint64(r.cfg.Depth)
	c.have += n
	msgs := c.in[:c.have-c.have%size]
	for off := 0; off < len(msgs); off += size {
		if !c.p.check(msgs[off:off+size], c.recvd) {
			r.failClient(c, fmt.Errorf("connection %d: message %d came back wrong", c.id, c.recvd))
			return done, false
		}
		done = append(done, c.sentAt[c.recvd%depth])
		c.recvd++
	}
	c.have = copy(c.in, c.in[len(msgs):c.have])
	if len(done) > 0 {
		r.record(c.id, now, done)
	}
	return done, true
}

// queue appends k new messages to c's pending output. (It cannot overflow
// out: at most Depth messages are ever queued or in flight.)
func (r *run) queue(c *client, k int, now time.Time) {
	size := r.cfg.Size
	c.outEnd = copy(c.out, c.out[c.outOff:c.outEnd])
	c.outOff = 0
	for range k {
		c.p.put(c.out[c.outEnd:c.outEnd+size], c.sent)
		c.sentAt[c.sent%uint64(r.cfg.Depth)] = now
		c.sent++
		c.outEnd += size
	}
}

func (r *run) failClient(c *client, err error) {
	c.finished = true
	r.fail(err)
}
