// Jobs shows asynchronous backend processing on netloop: a client hands work
// to the server, gets a job id at once, and learns of completion later,
// either by polling or by being told.
//
//	$ go run ./examples/jobs &
//	$ nc 127.0.0.1 9100
//	SUBMIT hello
//	ID 1
//	STATUS 1
//	PENDING
//	WATCH 1
//	DONE 1 9b71d224bd62f378...
//
// The work (SHA-256 of the argument, -rounds times) runs on a bounded pool of
// worker goroutines, never on an event loop; when the queue is full SUBMIT
// answers BUSY. A WATCH completion is written from the worker through the
// connection's goroutine-safe AsyncWrite; watches are bounded per client
// (-max-watches) and per job (-max-watchers), and a client that does not
// read its pushes is closed rather than buffered for without end.
// -idle-timeout closes silent clients. SIGINT or SIGTERM shut it down.
package main

import (
	"context"
	"flag"
	"runtime"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop/examples/internal/cmd"
)

// options are the command's flags.
type options struct {
	cmd.Options
	workers int // worker goroutines
	queue   int // jobs waiting for a worker before BUSY
	retain  int // finished jobs remembered for STATUS
	rounds  int // SHA-256 rounds per job

	maxWatches  int           // pending WATCHes per client before BUSY
	maxWatchers int           // watchers per job before BUSY
	idleTimeout time.Duration // close a client silent this long; 0: never
}

func main() {
	var o options
	o.Register(flag.CommandLine, "127.0.0.1:9100")
	flag.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "worker goroutines running jobs")
	flag.IntVar(&o.queue, "queue", 1024, "jobs queued before SUBMIT answers BUSY")
	flag.IntVar(&o.retain, "retain", 100000, "finished jobs remembered for STATUS and WATCH")
	flag.IntVar(&o.rounds, "rounds", 200000, "SHA-256 rounds per job")
	flag.IntVar(&o.maxWatches, "max-watches", defaultMaxWatches, "pending WATCHes per client before WATCH answers BUSY")
	flag.IntVar(&o.maxWatchers, "max-watchers", defaultMaxWatchers, "watchers per job before WATCH answers BUSY")
	flag.DurationVar(&o.idleTimeout, "idle-timeout", 0, "close a client that sends nothing for this long (0: never)")
	flag.Parse()
	ctx, stop := cmd.SignalContext()
	defer stop()
	cmd.Exit("jobs", run(ctx, o, nil))
}

// run serves until ctx is cancelled, with the worker pool running beside
// the loops; listening, if not nil, learns the address once the server
// listens.
func run(ctx context.Context, o options, listening func(string)) error {
	p := newPool(o.queue, o.retain, o.rounds)
	if o.maxWatchers > 0 {
		p.maxWatchers = o.maxWatchers
	}
	srv := newServer(p)
	if o.maxWatches > 0 {
		srv.maxWatches = int32(o.maxWatches)
	}
	srv.idle = o.idleTimeout
	var workers sync.WaitGroup
	defer workers.Wait() // deferred first, so it runs after stopWork
	workCtx, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	workers.Go(func() { p.run(workCtx, o.workers) })
	return cmd.Run(ctx, "jobs server", o.Options, srv, listening,
		zap.Int("workers", o.workers), zap.Int("queue", o.queue))
}
