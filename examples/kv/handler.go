package main

import (
	"hash/maphash"
	"sync"

	"github.com/netloop/netloop/codec/resp"
	"github.com/netloop/netloop/conn"
)

// The keyspace is split into one shard per loop, by a hash of the key, and
// each shard is owned by its loop: shared-nothing, no locks on the data.
// A command whose key lives on the connection's own loop runs at once; one
// whose key lives elsewhere is posted to the owner's loop with a copy of
// its arguments, and the reply is posted back to the connection's loop.
//
// Each connection runs its commands strictly one after another, as Redis
// does: while a command is away on another loop, the connection's further
// input waits (copied aside), and is taken up again when the reply is
// back. So every client sees its own commands in order, every key's
// commands run in one order on one loop, and replies leave in the order
// the commands came. With one loop (the default) nothing is ever posted.
// What is given up with several loops is only what Redis's single thread
// gives for free across keys: a DEL of keys on different loops is not
// atomic.

// maxHeld bounds the input a connection may send while one of its
// commands is away on another loop.
const maxHeld = 64 << 20

// server is the handler: the shards, one per loop, filled in as the loops
// start and read-only afterwards.
type server struct {
	mu     sync.Mutex // only while loops start
	shards []*shard
	seed   maphash.Seed
}

func newServer() *server { return &server{seed: maphash.MakeSeed()} }

// client is one connection's state.
type client struct {
	c      conn.Conn
	home   *shard
	dec    resp.Decoder
	away   bool   // a command is running on another loop
	held   []byte // input that arrived meanwhile
	quit   bool   // a protocol error was answered: read no further
	closed bool
}

// OnLoopStart gives the loop its shard. All loops start before any
// connection is served, so the slice is complete by then.
func (s *server) OnLoopStart(l conn.Loop) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.shards) < l.Count() {
		s.shards = append(s.shards, make([]*shard, l.Count()-len(s.shards))...)
	}
	s.shards[l.Index()] = newShard(l)
}

// OnLoopStop has nothing to do: the shard goes with the process.
func (s *server) OnLoopStop(conn.Loop) {}

func (s *server) OnOpen(c conn.Conn) {
	c.SetContext(&client{c: c, home: s.shards[c.Loop().Index()]})
}

func (s *server) OnClose(c conn.Conn, _ error) {
	cl := c.Context().(*client)
	cl.closed = true
	cl.held = nil
}

func (s *server) OnData(c conn.Conn, in []byte) int {
	cl := c.Context().(*client)
	if cl.quit {
		return len(in)
	}
	if !cl.away && len(cl.held) == 0 {
		// The usual case: commands straight from the loop's buffer.
		n := s.serve(cl, in)
		if cl.away && n < len(in) {
			cl.held = append(cl.held[:0], in[n:]...)
			return len(in)
		}
		return n // the start of a command stays with the connection
	}
	if len(cl.held)+len(in) > maxHeld {
		c.Close()
		return len(in)
	}
	cl.held = append(cl.held, in...)
	s.drain(cl)
	return len(in)
}

// drain serves held input until a command goes away or only the start of
// one is left; input arriving later is appended to what is held.
func (s *server) drain(cl *client) {
	for len(cl.held) > 0 && !cl.away && !cl.closed && !cl.quit {
		n := s.serve(cl, cl.held)
		if cl.quit {
			cl.held = nil
			return
		}
		if n == 0 {
			return
		}
		cl.held = cl.held[:copy(cl.held, cl.held[n:])]
	}
}

// serve runs the commands in in, up to the first that must run on another
// loop, writes their replies in one Write, and returns the bytes used.
func (s *server) serve(cl *client, in []byte) int {
	home := cl.home
	out := home.out[:0]
	used := 0
	for used < len(in) && !cl.away {
		n, args, err := cl.dec.Split(in[used:], false)
		if err != nil {
			out = resp.AppendErr(out, err)
			cl.c.Write(out)
			home.out = out[:0]
			cl.c.Close() // as Redis: reply, then close
			cl.quit = true
			return len(in)
		}
		if n == 0 {
			break
		}
		used += n
		if args != nil {
			out = s.run(cl, out, args)
		}
	}
	if len(out) > 0 {
		cl.c.Write(out)
	}
	home.out = out[:0]
	return used
}

// run runs one command, or sends it away, appending its reply if it ran.
func (s *server) run(cl *client, dst []byte, args [][]byte) []byte {
	cmd := lookupCommand(args[0])
	switch {
	case cmd == nil:
		return appendUnknown(dst, args)
	case !cmd.arityOK(len(args)):
		return appendWrongArgs(dst, cmd.name)
	case len(s.shards) == 1 || !cmd.keyed:
		return cmd.exec(cl.home, dst, args)
	case cmd.name == "del":
		return s.del(cl, dst, args)
	}
	owner := s.owner(args[1])
	if owner == cl.home {
		return cmd.exec(cl.home, dst, args)
	}
	argv := clone(args)
	if owner.loop.Post(func() { s.back(cl, cmd.exec(owner, nil, argv)) }) == nil {
		cl.away = true
	}
	return dst
}

// del deletes keys wherever they live: the local ones at once, the others
// on their loops, and replies with the total once all have answered.
func (s *server) del(cl *client, dst []byte, args [][]byte) []byte {
	var local int64
	byOwner := map[*shard][][]byte{}
	for _, k := range args[1:] {
		if o := s.owner(k); o == cl.home {
			local += cl.home.del([][]byte{k})
		} else {
			byOwner[o] = append(byOwner[o], append([]byte(nil), k...))
		}
	}
	if len(byOwner) == 0 {
		return resp.AppendInt(dst, local)
	}
	cl.away = true
	total, waiting := local, len(byOwner)
	for o, keys := range byOwner {
		o.loop.Post(func() {
			n := o.del(keys)
			cl.home.loop.Post(func() {
				total += n
				if waiting--; waiting == 0 {
					s.resume(cl, resp.AppendInt(nil, total))
				}
			})
		})
	}
	return dst
}

// back posts a reply computed on another loop to the client's loop.
func (s *server) back(cl *client, reply []byte) {
	cl.home.loop.Post(func() { s.resume(cl, reply) })
}

// resume writes the reply of the command that was away and serves the
// input held meanwhile. It runs on the client's loop.
func (s *server) resume(cl *client, reply []byte) {
	cl.away = false
	if cl.closed {
		return
	}
	cl.c.Write(reply)
	s.drain(cl)
}

func (s *server) owner(key []byte) *shard {
	return s.shards[maphash.Bytes(s.seed, key)%uint64(len(s.shards))]
}

// clone copies args into one allocation, for a command sent to another
// loop: the input they point into is reused once OnData returns.
func clone(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a):]
	}
	return out
}
