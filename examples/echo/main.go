// Command echo is netloop's echo server: every byte a client sends comes
// back. It listens on 127.0.0.1:9000 by default.
//
//	go run ./examples/echo -engine reactor -loops 2
//
// Try it with a real client: `nc 127.0.0.1 9000`, type a line, and it comes
// back. SIGINT or SIGTERM shut it down gracefully.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/conn"
)

// echo writes back whatever it receives.
type echo struct{}

func (echo) OnOpen(conn.Conn) {}

func (echo) OnData(c conn.Conn, in []byte) int {
	c.Write(in)
	return len(in)
}

func (echo) OnClose(conn.Conn, error) {}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	engine := flag.String("engine", "auto", "I/O engine: reactor (epoll), proactor (io_uring) or auto")
	loops := flag.Int("loops", 0, "event loops (0: one per CPU)")
	level := zap.LevelFlag("log-level", zap.InfoLevel, "log level: debug, info, warn, error")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *engine, *loops, *level, nil); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// run serves until ctx is cancelled; listening, if not nil, learns the
// address once the server listens.
func run(ctx context.Context, addr, engine string, loops int, level zapcore.Level, listening func(string)) error {
	e, err := parseEngine(engine)
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

	cfg := netloop.Config{Engine: e, Loops: loops, Logger: log}
	srv, err := netloop.Listen(addr, cfg)
	if err != nil {
		return err
	}
	log.Info("echo server listening", zap.Stringer("addr", srv.Addr()),
		zap.String("engine", string(netloop.Chosen(e))), zap.Int("loops", cfg.WithDefaults().Loops))
	if listening != nil {
		listening(srv.Addr().String())
	}
	if err := srv.Serve(ctx, echo{}); err != nil {
		return err
	}
	log.Info("echo server stopped")
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
