// Package engine is the kit every netloop engine is built from: the part of
// a connection and of an event loop that does not depend on how the engine
// waits for I/O. It is what package conn promises, written once.
//
//   - [Core] is a connection: leftover input, the outbound queue with its
//     high-water mark and AsyncWrite completions, timers and timeouts, the
//     exactly-once close. An engine's connection type embeds it and so
//     implements conn.Conn.
//   - [Loop] is a loop: the queue of requests from other goroutines, the
//     coalescing of wake-ups, the flush list and the timer heap; it is
//     also the conn.Loop handlers see. An engine's loop embeds it.
//   - [LoopServer], [ServeLoops], [Iterate] and [Safely] run the loops.
//
// An engine that accepts from the kernel starts each connection with
// [Core.InitAccepted], giving the addresses as raw netip values (its loop
// set the listener's address once with [Loop.SetListenAddr]), so that an
// accept allocates nothing but the engine's connection; one that has
// net.Addr values already uses [Core.Init], and a dial [Core.InitDial].
// An idle connection should cost little more than its Core (112 bytes):
// what only busy or unusual connections need is kept out of line.
//
// Between waits an engine's loop shows input with [Core.Deliver], carries
// out the requests that [Loop.NextRequest] hands out with [Loop.Do] (a
// bounded share per iteration), closes what [Loop.RunTimers] and
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
// Timers and loop handles ask four things of an engine's iteration:
//
//   - block for at most [Loop.WaitTimeout] milliseconds (-1: no timer),
//     calling [Loop.PrepareSleep] before and [Loop.Woke] after the wait
//     (Woke also starts a new turn of the loop's clock);
//   - call [Loop.RunTimers] once per iteration after the requests, and close
//     each connection it returns at once, without flushing, with
//     [Core.TimedOut] as the cause; then flush, since timer functions write;
//   - call [Loop.RefuseRequests] when shutting down (it already must);
//   - run the loop under [ServeLoops] (or call [Loop.Begin] before and
//     [Loop.End] after Run on the loop's goroutine), which numbers the
//     loops and calls the handler's loop hooks.
//
// An engine whose loop's turns are taken by several goroutines under a
// lock (the goroutine engine's connection goroutines, beside the loop's
// own, which alone calls PrepareSleep and Woke) starts each such turn with
// [Loop.NewTurn] and ends it with [Loop.Publish], and wakes the loop's
// goroutine when [Loop.NextDue] moved before the time it sleeps until.
//
// Functions given to Post are run inside [Loop.NextRequest] and never
// handed to the engine ([Loop.DropRequests] drops them at shutdown); Write
// marks its connection for flushing itself.
//
// The kit is internal so that it can change with the engines: it is not a
// promise to code outside netloop. Should third-party engines become a
// goal, it is the package to make public, as database/sql/driver is.
package engine
