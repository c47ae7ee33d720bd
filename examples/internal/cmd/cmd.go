// Package cmd holds what the example servers share: the flags every netloop
// server takes, a console logger, and serving a handler until the process
// is told to stop.
package cmd

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// Options are the flags common to the examples.
type Options struct {
	Addr   string
	Engine conn.Engine
	Loops  int
	Level  zapcore.Level

	// DebugAddr, if set, serves /debug/vars and /debug/pprof/ there.
	DebugAddr string

	// MaxInput is Config.MaxInput, set by a command rather than a flag;
	// zero keeps the default.
	MaxInput int

	// ProxyProtocol is Config.ProxyProtocol, set by a command.
	ProxyProtocol conn.ProxyProtocol

	// ReadBufferSize is Config.ReadBufferSize, set by a command; zero
	// keeps the default.
	ReadBufferSize int

	// DialTimeout is Config.DialTimeout, set by a command that dials;
	// zero keeps the default (none).
	DialTimeout time.Duration

	// BatchScheduling is Config.BatchScheduling (-batch-scheduling).
	BatchScheduling bool

	// ShutdownGrace bounds a drain (SIGTERM, SIGINT, or after an
	// upgrade); default 30s. UpgradeTimeout bounds the wait for an
	// upgraded child to serve (SIGHUP); default 10s. See lifecycle.go.
	ShutdownGrace  time.Duration
	UpgradeTimeout time.Duration
}

// Register adds -addr, -engine, -loops, -batch-scheduling, -log-level,
// -debug-addr, -shutdown-grace and -upgrade-timeout to fs.
func (o *Options) Register(fs *flag.FlagSet, defaultAddr string) {
	fs.StringVar(&o.Addr, "addr", defaultAddr, "address to listen on")
	fs.Var(&o.Engine, "engine", "I/O engine: reactor (epoll), proactor (io_uring), goroutine (any OS) or auto")
	fs.IntVar(&o.Loops, "loops", 0, "event loops (0: one per CPU)")
	fs.BoolVar(&o.BatchScheduling, "batch-scheduling", false, "run the loops' threads under SCHED_BATCH (pays on the proactor beside clients or backends on the same CPUs; slows wake-ups beside threads that compute)")
	o.Level = zapcore.InfoLevel
	fs.Var(&o.Level, "log-level", "log level: debug, info, warn, error")
	fs.StringVar(&o.DebugAddr, "debug-addr", "", "serve /debug/vars and /debug/pprof/ on this address, e.g. 127.0.0.1:6060 (off if empty)")
	fs.DurationVar(&o.ShutdownGrace, "shutdown-grace", 30*time.Second, "on SIGTERM/SIGINT (or after a SIGHUP upgrade), wait this long for connections to finish; a second signal stops at once")
	fs.DurationVar(&o.UpgradeTimeout, "upgrade-timeout", 10*time.Second, "on SIGHUP, wait this long for the upgraded process to serve before giving up on it")
}

// Run serves h as name until ctx is cancelled, logging the start (with any
// extra fields) and the stop. listening, if not nil, learns the address
// once the server listens.
func Run(ctx context.Context, name string, o Options, h conn.Handler, listening func(addr string), extra ...zap.Field) error {
	log, err := logger(o.Level)
	if err != nil {
		return err
	}
	defer log.Sync()
	// Signals are caught from before the server listens: one that came
	// between the listen and serve would otherwise kill the process.
	sigs := notifySignals()
	defer signal.Stop(sigs)
	cfg := netloop.Config{Engine: o.Engine, Loops: o.Loops, MaxInput: o.MaxInput, ProxyProtocol: o.ProxyProtocol, ReadBufferSize: o.ReadBufferSize, DialTimeout: o.DialTimeout, BatchScheduling: o.BatchScheduling, Logger: log}
	srv, err := netloop.Listen(o.Addr, cfg)
	if err != nil {
		return err
	}
	log.Info(name+" listening", append([]zap.Field{zap.Stringer("addr", srv.Addr()), zap.Int("pid", os.Getpid()),
		zap.Stringer("engine", netloop.Chosen(o.Engine)), zap.Int("loops", cfg.WithDefaults().Loops)}, extra...)...)
	if o.DebugAddr != "" {
		_, stop, err := serveDebug(o.DebugAddr, srv, log)
		if err != nil {
			srv.Serve(canceled(), h) // releases the listeners
			return err
		}
		defer stop()
	}
	if listening != nil {
		listening(srv.Addr().String())
	}
	if err := serve(ctx, o, srv, h, sigs, log); err != nil {
		return err
	}
	log.Info(name + " stopped")
	return nil
}

// canceled is a context that is already done.
func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// SignalContext returns the context a command's main serves under, and
// makes Run act on signals: SIGTERM or SIGINT drains the server (a second
// one stops it at once), SIGHUP upgrades it to a fresh copy of the binary
// (see lifecycle.go). Cancelling the context is the hard stop.
func SignalContext() (context.Context, context.CancelFunc) {
	signals.Store(true)
	return context.WithCancel(context.Background())
}

// Exit reports err, if any, as name's failure and exits non-zero.
func Exit(name string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// logger is a human-readable console logger at level.
func logger(level zapcore.Level) (*zap.Logger, error) {
	c := zap.NewProductionConfig()
	c.Level = zap.NewAtomicLevelAt(level)
	c.Encoding = "console"
	c.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	return c.Build()
}
