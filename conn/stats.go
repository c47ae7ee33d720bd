package conn

// Stats is a snapshot of a server's counters, taken from any goroutine
// without stopping its loops (Server.Stats). Each loop publishes its
// counters once per iteration, so a snapshot is at most one iteration old
// and the loops' figures may be from slightly different moments.
type Stats struct {
	Engine Engine      // the engine that runs the server
	Loops  []LoopStats // one per loop, in loop order
}

// Total adds up the loops' counters; its Loop field is -1.
func (s Stats) Total() LoopStats {
	t := LoopStats{Loop: -1}
	for _, l := range s.Loops {
		t.add(&l)
	}
	return t
}

// LoopStats are the counters of one loop. Counts are since the server was
// made; Open and Paused are current values.
type LoopStats struct {
	Loop int // the loop's index, from 0

	Open     int64  // connections open now
	Accepted uint64 // connections accepted
	Dialed   uint64 // outbound connections started (Dialer.Dial), connected or not
	Paused   int64  // connections whose reading is paused now by Config.WriteHighWater

	Closed CloseCounts // connections closed, by cause

	BytesIn  uint64 // bytes received and shown to handlers
	BytesOut uint64 // bytes handed to the kernel

	// Reads and Writes count the system calls (reactor, goroutine engine)
	// or the io_uring completions of receives and submissions of sends
	// (proactor) that moved bytes.
	Reads  uint64
	Writes uint64

	Wakeups  uint64 // times the loop woke from a blocking wait
	Requests uint64 // AsyncWrite, Wake and Close calls from other goroutines carried out

	AcceptErrors   uint64 // accepts that failed (other than a client that left first)
	AcceptBackoffs uint64 // times accepting paused after running out of descriptors or memory

	// BufferShortages counts receives that found no free provided buffer
	// (ENOBUFS; proactor only): a sign that ReadBufferSize or the ring is
	// too small for the load.
	BufferShortages uint64
}

// CloseCounts are connections closed, by the cause OnClose received.
type CloseCounts struct {
	PeerEOF       uint64 // io.EOF or ErrUnexpectedEOF: the peer closed
	Local         uint64 // nil: our side called Close
	Reset         uint64 // ECONNRESET or EPIPE: the peer reset the connection
	Timeout       uint64 // os.ErrDeadlineExceeded
	InputTooLarge uint64 // ErrInputTooLarge
	HandlerPanic  uint64 // ErrHandlerPanic
	ServerClosed  uint64 // ErrServerClosed: open at shutdown
	Other         uint64 // any other error
}

func (t *LoopStats) add(l *LoopStats) {
	t.Open += l.Open
	t.Accepted += l.Accepted
	t.Dialed += l.Dialed
	t.Paused += l.Paused
	t.Closed.PeerEOF += l.Closed.PeerEOF
	t.Closed.Local += l.Closed.Local
	t.Closed.Reset += l.Closed.Reset
	t.Closed.Timeout += l.Closed.Timeout
	t.Closed.InputTooLarge += l.Closed.InputTooLarge
	t.Closed.HandlerPanic += l.Closed.HandlerPanic
	t.Closed.ServerClosed += l.Closed.ServerClosed
	t.Closed.Other += l.Closed.Other
	t.BytesIn += l.BytesIn
	t.BytesOut += l.BytesOut
	t.Reads += l.Reads
	t.Writes += l.Writes
	t.Wakeups += l.Wakeups
	t.Requests += l.Requests
	t.AcceptErrors += l.AcceptErrors
	t.AcceptBackoffs += l.AcceptBackoffs
	t.BufferShortages += l.BufferShortages
}
