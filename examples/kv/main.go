// Command kv is a key-value server that speaks the Redis protocol (RESP2),
// so redis-cli and redis-benchmark work against it. It listens on
// 127.0.0.1:6380 by default.
//
//	go run ./examples/kv -engine reactor -loops 1
//	redis-cli -p 6380 set greeting hello EX 60
//	redis-cli -p 6380 get greeting
//
// Commands: PING, ECHO, SET (EX, PX, EXAT, PXAT, NX, XX, KEEPTTL, and GET,
// which replies with the old value or nil, with NX too, as Redis 7 does),
// GET, DEL, INCR, EXPIRE (NX, XX, GT, LT) and TTL, with Redis's replies
// and errors, word for word, for those and for malformed input. Keys expire on
// timers of the loop that owns them, and are checked on access as well.
//
// With -loops 1 (the default) the server is, like Redis, one thread. With
// more, the keys are sharded over the loops by hash, each shard owned by
// its loop without locks; see handler.go for how a command reaches the
// loop of its key and how every client still sees its commands run in
// order. SIGINT or SIGTERM shut it down.
package main

import (
	"flag"

	"github.com/netloop/netloop/examples/internal/cmd"
)

func main() {
	var o cmd.Options
	o.Register(flag.CommandLine, "127.0.0.1:6380")
	flag.Lookup("loops").DefValue = "1"
	o.Loops = 1
	flag.Parse()
	o.MaxInput = maxHeld
	ctx, stop := cmd.SignalContext()
	defer stop()
	cmd.Exit("kv", cmd.Run(ctx, "kv", o, newServer(), nil))
}
