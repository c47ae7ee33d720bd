package proactor

// Every SQE the loop submits carries a user_data word that the kernel hands
// back in its CQE. Its 64 bits are laid out as
//
//	bits 56-63  kind  the operation (an opKind)
//	bits 32-55  gen   the generation of the connection slot
//	bits  0-31  slot  the connection slot, an index into loop.conns
//
// A slot is reused once its connection has finished, and its generation is
// bumped then, so a completion that somehow arrives for an earlier
// connection in the same slot is recognised and ignored. Loop-wide
// operations (accept, wake-up) use slot 0 and generation 0. No Go pointer
// is ever stored in user_data: the garbage collector cannot see it there.
type opKind uint8

const (
	opAccept  opKind = iota + 1 // the listener's multishot accept
	opWake                      // the read of the wake-up eventfd
	opRecv                      // a connection's multishot receive
	opSend                      // a connection's send
	opCancel                    // a cancellation request; its CQE carries nothing
	opConnect                   // a dialled connection's connect
)

const genMask = 1<<24 - 1

func userData(kind opKind, slot, gen uint32) uint64 {
	return uint64(kind)<<56 | uint64(gen&genMask)<<32 | uint64(slot)
}

func splitUserData(ud uint64) (kind opKind, slot, gen uint32) {
	return opKind(ud >> 56), uint32(ud), uint32(ud>>32) & genMask
}
