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
//
// It stops cleanly on SIGINT or SIGTERM.
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

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/codec/http1"
	"github.com/netloop/netloop/conn"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	engine := flag.String("engine", "auto", "I/O engine: reactor, proactor or auto")
	loops := flag.Int("loops", 0, "event loops (0: one per CPU)")
	logLevel := flag.String("log-level", "info", "log level: debug, info, warn, error")
	idle := flag.Duration("idle-timeout", 60*time.Second, "close keep-alive connections idle this long")
	header := flag.Duration("header-timeout", 10*time.Second, "close connections whose request header takes longer")
	maxBody := flag.Int("max-body", http1.DefaultMaxBodyBytes, "largest request body accepted (413 beyond)")
	flag.Parse()

	log, err := newLogger(*logLevel)
	if err != nil {
		fmt.Fprintln(os.Stderr, "httplite:", err)
		os.Exit(2)
	}
	defer log.Sync()
	if err := run(log, *addr, *engine, *loops, newServer(*maxBody, *idle, *header)); err != nil {
		log.Fatal("httplite failed", zap.Error(err))
	}
}

func run(log *zap.Logger, addr, engine string, loops int, h conn.Handler) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e, err := parseEngine(engine)
	if err != nil {
		return err
	}
	srv, err := netloop.Listen(addr, netloop.Config{Engine: e, Loops: loops, Logger: log})
	if err != nil {
		return err
	}
	log.Info("httplite listening", zap.Stringer("addr", srv.Addr()), zap.String("engine", engine), zap.Int("loops", loops))
	err = srv.Serve(ctx, h)
	log.Info("httplite stopped", zap.Error(err))
	return err
}

func parseEngine(s string) (conn.Engine, error) {
	switch s {
	case "auto", "":
		return conn.EngineAuto, nil
	case "reactor":
		return conn.EngineReactor, nil
	case "proactor":
		return conn.EngineProactor, nil
	}
	return "", fmt.Errorf("unknown engine %q (want reactor, proactor or auto)", s)
}

func newLogger(level string) (*zap.Logger, error) {
	lvl, err := zap.ParseAtomicLevel(level)
	if err != nil {
		return nil, err
	}
	cfg := zap.NewProductionConfig()
	cfg.Level = lvl
	return cfg.Build()
}
