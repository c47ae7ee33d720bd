// Package engine is the kit every netloop engine is built from: the part of
// a connection and of an event loop that does not depend on how the engine
// waits for I/O. It is what package conn promises, written once.
//
//   - [Core] is a connection: leftover input, the outbound queue with its
//     high-water mark and AsyncWrite completions, deadlines, the
//     exactly-once close. An engine's connection type embeds it and so
//     implements conn.Conn.
//   - [Loop] is a loop: the queue of requests from other goroutines, the
//     coalescing of wake-ups, the flush list and the deadline scan. An
//     engine's loop embeds it.
//   - [LoopServer], [ServeLoops], [Iterate] and [Safely] run the loops.
//
// Between waits an engine's loop shows input with [Core.Deliver], carries
// out the requests that [Loop.NextRequest] hands out with [Loop.Do] (a
// bounded share per iteration), closes what [Loop.Expired] and
// [Loop.OverBudget] return, and flushes each connection whose
// [Core.Pending] is not empty, reporting progress with [Core.Advance].
// Output is a chain of blocks that never move once written: an engine
// writes the first ([Core.Pending]) or several at once ([Core.PendingVec],
// for writev or sendmsg), and one that sends asynchronously says so with
// [Core.Sending] or [Core.SendingVec]. It ends a connection with
// [Core.Finish], which calls OnClose exactly once. At shutdown it carries
// out one share of the queued requests and drops the rest with
// [Loop.DropRequests].
//
// The kit is internal so that it can change with the engines: it is not a
// promise to code outside netloop. Should third-party engines become a
// goal, it is the package to make public, as database/sql/driver is.
package engine
