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
// connection's goroutine-safe AsyncWrite. SIGINT or SIGTERM shut it down.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// options are the command's flags.
type options struct {
	addr, engine string
	loops        int
	workers      int // worker goroutines
	queue        int // jobs waiting for a worker before BUSY
	retain       int // finished jobs remembered for STATUS
	rounds       int // SHA-256 rounds per job
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:9100", "address to listen on")
	flag.StringVar(&o.engine, "engine", "auto", "I/O engine: reactor (epoll), proactor (io_uring) or auto")
	flag.IntVar(&o.loops, "loops", 0, "event loops (0: one per CPU)")
	flag.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "worker goroutines running jobs")
	flag.IntVar(&o.queue, "queue", 1024, "jobs queued before SUBMIT answers BUSY")
	flag.IntVar(&o.retain, "retain", 100000, "finished jobs remembered for STATUS and WATCH")
	flag.IntVar(&o.rounds, "rounds", 200000, "SHA-256 rounds per job")
	level := zap.LevelFlag("log-level", zap.InfoLevel, "log level: debug, info, warn, error")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, *level, nil); err != nil {
		fmt.Fprintln(os.Stderr, "jobs:", err)
		os.Exit(1)
	}
}

// run serves until ctx is cancelled; listening, if not nil, learns the
// address once the server listens.
func run(ctx context.Context, o options, level zapcore.Level, listening func(string)) error {
	e, err := parseEngine(o.engine)
	if err != nil {
		return err
	}
	logCfg := zap.NewProductionConfig()
	logCfg.Level = zap.NewAtomicLevelAt(level)
	logCfg.Encoding = "console"
	logCfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	log, err := logCfg.Build()
	if err != nil {
		return err
	}
	defer log.Sync()

	cfg := netloop.Config{Engine: e, Loops: o.loops, Logger: log}
	srv, err := netloop.Listen(o.addr, cfg)
	if err != nil {
		return err
	}
	log.Info("jobs server listening", zap.Stringer("addr", srv.Addr()),
		zap.String("engine", string(netloop.Chosen(e))), zap.Int("loops", cfg.WithDefaults().Loops),
		zap.Int("workers", o.workers), zap.Int("queue", o.queue))
	if listening != nil {
		listening(srv.Addr().String())
	}
	p := newPool(o.queue, o.retain, o.rounds)
	workCtx, stopWork := context.WithCancel(context.Background())
	var workers sync.WaitGroup
	workers.Go(func() { p.run(workCtx, o.workers) })
	err = srv.Serve(ctx, newServer(p))
	stopWork()
	workers.Wait()
	if err != nil {
		return err
	}
	log.Info("jobs server stopped")
	return nil
}

// parseEngine maps the -engine flag to a conn.Engine.
func parseEngine(s string) (conn.Engine, error) {
	switch e := conn.Engine(s); e {
	case conn.EngineReactor, conn.EngineProactor:
		return e, nil
	case "auto", "":
		return conn.EngineAuto, nil
	}
	return "", fmt.Errorf("unknown engine %q (want reactor, proactor or auto)", s)
}
