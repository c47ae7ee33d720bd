package main

import (
	"bytes"
	"math"
	"strconv"
	"time"

	"github.com/netloop/netloop/codec/resp"
	"github.com/netloop/netloop/conn"
)

// shard is the part of the keyspace one loop owns. Only that loop touches
// it, so it needs no lock: other loops reach it by posting a function to
// its loop.
type shard struct {
	loop conn.Loop
	data map[string]*entry
	out  []byte // replies being built, reused
}

// entry is a value and its expiry.
type entry struct {
	val    []byte
	expire int64      // unix milliseconds; 0: none
	timer  conn.Timer // fires at expire on the shard's loop; nil: none
}

func newShard(l conn.Loop) *shard {
	return &shard{loop: l, data: make(map[string]*entry)}
}

// nowMs is the wall clock in milliseconds, the unit of expiry times, as in
// Redis.
func nowMs() int64 { return time.Now().UnixMilli() }

// lookup returns the live entry for key, deleting it if it has expired
// but its timer has not fired yet.
func (s *shard) lookup(key []byte) *entry {
	e := s.data[string(key)]
	if e != nil && e.expire != 0 && e.expire <= nowMs() {
		s.remove(key, e)
		return nil
	}
	return e
}

func (s *shard) remove(key []byte, e *entry) {
	if e.timer != nil {
		e.timer.Stop()
	}
	delete(s.data, string(key))
}

// setExpire makes e expire at ms (0: never), on a timer of the shard's
// loop; lookup covers the moments between expiry and the timer.
func (s *shard) setExpire(key []byte, e *entry, ms int64) {
	e.expire = ms
	if ms == 0 {
		if e.timer != nil {
			e.timer.Stop()
		}
		return
	}
	d := time.Duration(ms-nowMs()) * time.Millisecond
	if e.timer != nil {
		e.timer.Reset(d)
		return
	}
	k := string(key)
	e.timer = s.loop.AfterFunc(d, func() {
		// The entry may have been replaced or given another expiry.
		if cur := s.data[k]; cur == e && e.expire != 0 && e.expire <= nowMs() {
			delete(s.data, k)
		} else if cur == e && e.expire != 0 {
			e.timer.Reset(time.Duration(e.expire-nowMs()) * time.Millisecond)
		}
	})
}

// Replies Redis 7 gives, word for word.
const (
	errSyntax       = "ERR syntax error"
	errNotInteger   = "ERR value is not an integer or out of range"
	errOverflow     = "ERR increment or decrement would overflow"
	errNXWithOthers = "ERR NX and XX, GT or LT options at the same time are not compatible"
	errGTAndLT      = "ERR GT and LT options at the same time are not compatible"
)

func appendWrongArgs(dst []byte, name string) []byte {
	return resp.AppendError(dst, "ERR wrong number of arguments for '"+name+"' command")
}

func appendBadExpire(dst []byte, name string) []byte {
	return resp.AppendError(dst, "ERR invalid expire time in '"+name+"' command")
}

// cstring is b as C's %s prints it: up to the first NUL byte.
func cstring(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// appendUnknown is Redis's reply to an unknown command: the name and the
// start of the arguments, at most 128 characters of each.
func appendUnknown(dst []byte, args [][]byte) []byte {
	name := cstring(args[0])
	if len(name) > 128 {
		name = name[:128]
	}
	var list []byte
	for _, a := range args[1:] {
		if len(list) >= 128 {
			break
		}
		a = cstring(a)
		if room := 128 - len(list); len(a) > room {
			a = a[:room]
		}
		list = append(list, '\'')
		list = append(list, a...)
		list = append(list, '\'', ' ')
	}
	return resp.AppendError(dst, "ERR unknown command '"+string(name)+"', with args beginning with: "+string(list))
}

// command is a command the server knows.
type command struct {
	name  string // as Redis prints it in errors
	arity int    // as in Redis's command table: negative means at least -arity
	keyed bool   // args[1] is a key: the command runs on the key's shard
	exec  func(s *shard, dst []byte, args [][]byte) []byte
}

var commands = map[string]*command{
	"ping":   {"ping", -1, false, execPing},
	"echo":   {"echo", 2, false, execEcho},
	"set":    {"set", -3, true, execSet},
	"get":    {"get", 2, true, execGet},
	"del":    {"del", -2, true, execDel},
	"incr":   {"incr", 2, true, execIncr},
	"expire": {"expire", -3, true, execExpire},
	"ttl":    {"ttl", 2, true, execTTL},
	// Asked by redis-cli and redis-benchmark when they start; an empty
	// answer tells them there is nothing to learn.
	"command": {"command", -1, false, func(_ *shard, dst []byte, _ [][]byte) []byte { return resp.AppendArray(dst, 0) }},
	"config":  {"config", -2, false, func(_ *shard, dst []byte, _ [][]byte) []byte { return resp.AppendArray(dst, 0) }},
}

// lookupCommand finds the command named by name, in any case, without
// allocating for names of up to 16 bytes.
func lookupCommand(name []byte) *command {
	var buf [16]byte
	if len(name) > len(buf) {
		return nil
	}
	lower := buf[:len(name)]
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return commands[string(lower)]
}

// arityOK reports whether n arguments (the name included) suit cmd.
func (cmd *command) arityOK(n int) bool {
	if cmd.arity < 0 {
		return n >= -cmd.arity
	}
	return n == cmd.arity
}

func execPing(_ *shard, dst []byte, args [][]byte) []byte {
	switch len(args) {
	case 1:
		return resp.AppendSimple(dst, "PONG")
	case 2:
		return resp.AppendBulk(dst, args[1])
	}
	return appendWrongArgs(dst, "ping")
}

func execEcho(_ *shard, dst []byte, args [][]byte) []byte { return resp.AppendBulk(dst, args[1]) }

func execGet(s *shard, dst []byte, args [][]byte) []byte {
	if e := s.lookup(args[1]); e != nil {
		return resp.AppendBulk(dst, e.val)
	}
	return resp.AppendNull(dst)
}

// SET flags.
const (
	setNX = 1 << iota
	setXX
	setKeepTTL
	setEX
	setPX
	setEXAT
	setPXAT
	setGet
)

func execSet(s *shard, dst []byte, args [][]byte) []byte {
	flags := 0
	var when []byte
	for j := 3; j < len(args); j++ {
		opt := args[j]
		hasNext := j+1 < len(args)
		timeFlags := setKeepTTL | setEX | setPX | setEXAT | setPXAT
		switch {
		case equalFold(opt, "nx") && flags&setXX == 0:
			flags |= setNX
		case equalFold(opt, "xx") && flags&setNX == 0:
			flags |= setXX
		case equalFold(opt, "get"):
			flags |= setGet // repeating it changes nothing, as in Redis
		case equalFold(opt, "keepttl") && flags&timeFlags&^setKeepTTL == 0:
			flags |= setKeepTTL
		case equalFold(opt, "ex") && flags&timeFlags&^setEX == 0 && hasNext:
			flags |= setEX
			j++
			when = args[j]
		case equalFold(opt, "px") && flags&timeFlags&^setPX == 0 && hasNext:
			flags |= setPX
			j++
			when = args[j]
		case equalFold(opt, "exat") && flags&timeFlags&^setEXAT == 0 && hasNext:
			flags |= setEXAT
			j++
			when = args[j]
		case equalFold(opt, "pxat") && flags&timeFlags&^setPXAT == 0 && hasNext:
			flags |= setPXAT
			j++
			when = args[j]
		default:
			return resp.AppendError(dst, errSyntax)
		}
	}
	var expire int64
	if when != nil {
		n, ok := resp.ParseInt(when)
		if !ok {
			return resp.AppendError(dst, errNotInteger)
		}
		seconds := flags&(setEX|setEXAT) != 0
		if n <= 0 || seconds && n > math.MaxInt64/1000 {
			return appendBadExpire(dst, "set")
		}
		if seconds {
			n *= 1000
		}
		if flags&(setEX|setPX) != 0 {
			now := nowMs()
			if n > math.MaxInt64-now {
				return appendBadExpire(dst, "set")
			}
			n += now
		}
		expire = n
	}
	key := args[1]
	e := s.lookup(key)
	// GET (Redis 6.2; with NX since 7.0) replies with the old value, or
	// nil, instead of OK, whether or not NX or XX then lets the SET
	// happen. An error in the options above comes first and sets nothing.
	get := flags&setGet != 0
	if get {
		if e != nil {
			dst = resp.AppendBulk(dst, e.val) // before the value is replaced
		} else {
			dst = resp.AppendNull(dst)
		}
	}
	if flags&setNX != 0 && e != nil || flags&setXX != 0 && e == nil {
		if get {
			return dst
		}
		return resp.AppendNull(dst)
	}
	if e == nil {
		e = &entry{}
		s.data[string(key)] = e
	}
	e.val = append(e.val[:0], args[2]...)
	switch {
	case expire != 0:
		s.setExpire(key, e, expire)
	case flags&setKeepTTL == 0 && e.expire != 0:
		s.setExpire(key, e, 0)
	}
	if expire != 0 && expire <= nowMs() {
		s.remove(key, e) // EXAT or PXAT in the past
	}
	if get {
		return dst
	}
	return resp.AppendSimple(dst, "OK")
}

// del deletes the keys among keys that this shard holds and returns how
// many there were.
func (s *shard) del(keys [][]byte) int64 {
	var n int64
	for _, k := range keys {
		if e := s.lookup(k); e != nil {
			s.remove(k, e)
			n++
		}
	}
	return n
}

func execDel(s *shard, dst []byte, args [][]byte) []byte {
	return resp.AppendInt(dst, s.del(args[1:]))
}

func execIncr(s *shard, dst []byte, args [][]byte) []byte {
	key := args[1]
	e := s.lookup(key)
	var v int64
	if e != nil {
		n, ok := resp.ParseInt(e.val)
		if !ok {
			return resp.AppendError(dst, errNotInteger)
		}
		v = n
	}
	if v == math.MaxInt64 {
		return resp.AppendError(dst, errOverflow)
	}
	v++
	if e == nil {
		e = &entry{}
		s.data[string(key)] = e
	}
	e.val = strconv.AppendInt(e.val[:0], v, 10)
	return resp.AppendInt(dst, v)
}

// EXPIRE flags.
const (
	expNX = 1 << iota
	expXX
	expGT
	expLT
)

func execExpire(s *shard, dst []byte, args [][]byte) []byte {
	flags := 0
	for _, opt := range args[3:] {
		switch {
		case equalFold(opt, "nx"):
			flags |= expNX
		case equalFold(opt, "xx"):
			flags |= expXX
		case equalFold(opt, "gt"):
			flags |= expGT
		case equalFold(opt, "lt"):
			flags |= expLT
		default:
			return resp.AppendError(dst, "ERR Unsupported option "+string(opt))
		}
	}
	if flags&expNX != 0 && flags&(expXX|expGT|expLT) != 0 {
		return resp.AppendError(dst, errNXWithOthers)
	}
	if flags&expGT != 0 && flags&expLT != 0 {
		return resp.AppendError(dst, errGTAndLT)
	}
	when, ok := resp.ParseInt(args[2])
	if !ok {
		return resp.AppendError(dst, errNotInteger)
	}
	if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
		return appendBadExpire(dst, "expire")
	}
	when *= 1000
	now := nowMs()
	if when > math.MaxInt64-now {
		return appendBadExpire(dst, "expire")
	}
	when += now
	key := args[1]
	e := s.lookup(key)
	if e == nil {
		return resp.AppendInt(dst, 0)
	}
	cur := int64(-1)
	if e.expire != 0 {
		cur = e.expire
	}
	switch {
	case flags&expNX != 0 && cur != -1,
		flags&expXX != 0 && cur == -1,
		flags&expGT != 0 && (when <= cur || cur == -1),
		flags&expLT != 0 && cur != -1 && when >= cur:
		return resp.AppendInt(dst, 0)
	}
	if when <= now {
		s.remove(key, e)
	} else {
		s.setExpire(key, e, when)
	}
	return resp.AppendInt(dst, 1)
}

func execTTL(s *shard, dst []byte, args [][]byte) []byte {
	e := s.lookup(args[1])
	switch {
	case e == nil:
		return resp.AppendInt(dst, -2)
	case e.expire == 0:
		return resp.AppendInt(dst, -1)
	}
	ttl := max(e.expire-nowMs(), 0)
	return resp.AppendInt(dst, (ttl+500)/1000)
}

// equalFold reports whether b is s (lower case) in any case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
