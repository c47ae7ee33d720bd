// Httplite is a small HTTP/1.1 server on netloop, the one to point wrk, ab
// and curl at. It keeps connections alive, answers pipelined requests in
// order, and serves:
//
//	GET  /      "Hello, World!" as text/plain
//	GET  /json  {"message":"Hello, World!"}
//	POST /echo  the request body
//
// and 404 for anything else. Usage:
//
//	go run ./examples/httplite -addr 127.0.0.1:8080 -engine auto -loops 0
//	wrk -t2 -c64 -d10s -s examples/httplite/pipeline.lua http://127.0.0.1:8080/
//
// SIGINT or SIGTERM shut it down gracefully.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/codec/http1"
	"github.com/netloop/netloop/conn"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	engine := flag.String("engine", "auto", "I/O engine: reactor (epoll), proactor (io_uring) or auto")
	loops := flag.Int("loops", 0, "event loops (0: one per CPU)")
	level := zap.LevelFlag("log-level", zap.InfoLevel, "log level: debug, info, warn, error")
	idle := flag.Duration("idle-timeout", 60*time.Second, "close keep-alive connections idle this long")
	header := flag.Duration("header-timeout", 10*time.Second, "close connections whose request header takes longer")
	maxBody := flag.Int("max-body", http1.DefaultMaxBodyBytes, "largest request body accepted (413 beyond)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h := newServer(*maxBody, *idle, *header)
	if err := run(ctx, *addr, *engine, *loops, *level, h, nil); err != nil {
		fmt.Fprintln(os.Stderr, "httplite:", err)
		os.Exit(1)
	}
}

// run serves h until ctx is cancelled; listening, if not nil, learns the
// address once the server listens.
func run(ctx context.Context, addr, engine string, loops int, level zapcore.Level, h conn.Handler, listening func(string)) error {
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
	log.Info("httplite listening", zap.Stringer("addr", srv.Addr()),
		zap.String("engine", string(netloop.Chosen(e))), zap.Int("loops", cfg.WithDefaults().Loops))
	if listening != nil {
		listening(srv.Addr().String())
	}
	if err := srv.Serve(ctx, h); err != nil {
		return err
	}
	log.Info("httplite stopped")
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
