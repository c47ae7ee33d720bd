package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/netloop/netloop/conn"
	"github.com/netloop/netloop/internal/socket"
)

// The life of a command's server once it serves, when its main asked for
// signals (SignalContext):
//
//   - SIGTERM or SIGINT drains it (conn.Shutdowner): no new connections,
//     handlers told to finish, and whatever is still open after
//     -shutdown-grace is closed. A second SIGTERM or SIGINT stops it at once.
//   - SIGHUP upgrades it: the binary is executed again with the same
//     arguments and every listening socket (conn.ListenerFiler; one per
//     loop), the child says it serves by writing a byte on a pipe, and
//     then this process drains as on SIGTERM. A child that cannot start,
//     exits, or is not ready within -upgrade-timeout is killed and this
//     process goes on serving.

// EnvReadyFD names the descriptor on which an upgraded child writes one
// byte once it serves.
const EnvReadyFD = "NETLOOP_READY_FD"

// signals is set by SignalContext: the process's main wants Run to act on
// signals. Tests that call Run leave it unset.
var signals atomic.Bool

// lifecycleSignals are the signals Run acts on.
var lifecycleSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// notifySignals returns the channel of the signals Run acts on, which is
// silent unless the main asked for signals.
func notifySignals() chan os.Signal {
	sigs := make(chan os.Signal, 4)
	if signals.Load() {
		signal.Notify(sigs, lifecycleSignals...)
	}
	return sigs
}

// serve runs srv with h until ctx is cancelled (the hard stop), a drain
// ends or Serve fails, acting on the signals from sigs.
func serve(ctx context.Context, o Options, srv conn.Server, h conn.Handler, sigs <-chan os.Signal, log *zap.Logger) error {
	ctx, hardStop := context.WithCancel(ctx)
	defer hardStop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, h) }()
	tellParentReady(log)
	draining := false
	drained := make(chan struct{}) // closed when a drain's Shutdown returns
	drain := func(why string) {
		draining = true
		sd, ok := srv.(conn.Shutdowner)
		if !ok {
			log.Warn("engine cannot drain; stopping at once", zap.Stringer("engine", srv.Engine()))
			close(drained)
			hardStop()
			return
		}
		log.Info("draining", zap.String("why", why), zap.Duration("grace", o.grace()))
		go func() {
			defer close(drained)
			ctx, cancel := context.WithTimeout(context.Background(), o.grace())
			defer cancel()
			if err := sd.Shutdown(ctx); err != nil {
				log.Warn("grace period over; remaining connections closed", zap.Error(err))
			}
		}()
	}
	for {
		select {
		case err := <-done:
			if draining {
				<-drained // Shutdown returns just after Serve, having logged
			}
			return err
		case s := <-sigs:
			switch {
			case draining && s == syscall.SIGHUP:
				log.Info("SIGHUP while draining: ignored")
			case draining:
				log.Warn("second signal: stopping at once", zap.Stringer("signal", s))
				hardStop()
			case s == syscall.SIGHUP:
				pid, err := upgrade(srv, o, log)
				if err != nil {
					log.Error("upgrade failed; still serving", zap.Error(err))
					continue
				}
				drain(fmt.Sprintf("upgraded: process %d serves now", pid))
			default:
				drain(s.String())
			}
		}
	}
}

// upgrade starts the binary again with srv's listeners and waits for it to
// say it serves; it returns the child's process id. On failure the child,
// if it started, has been killed and waited for.
func upgrade(srv conn.Server, o Options, log *zap.Logger) (int, error) {
	lf, ok := srv.(conn.ListenerFiler)
	if !ok {
		return 0, fmt.Errorf("the %s engine cannot hand its listeners over", srv.Engine())
	}
	files, err := lf.ListenerFiles()
	if err != nil {
		return 0, err
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer r.Close()
	child := exec.Command(exe, os.Args[1:]...)
	child.Stdin, child.Stdout, child.Stderr = os.Stdin, os.Stdout, os.Stderr
	child.ExtraFiles = append(files, w)
	child.Env = append(os.Environ(), socket.HandoverEnv(len(files)),
		EnvReadyFD+"="+strconv.Itoa(3+len(files)))
	err = child.Start()
	w.Close() // the child holds it now
	if err != nil {
		return 0, err
	}
	pid := child.Process.Pid
	log.Info("upgrade: child started", zap.Int("pid", pid), zap.Int("listeners", len(files)))
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	ready := make(chan error, 1)
	go func() {
		var b [1]byte
		_, err := r.Read(b[:])
		ready <- err
	}()
	fail := func(err error) (int, error) {
		child.Process.Kill() // by its pid: only the child we started
		<-exited
		return 0, fmt.Errorf("child %d: %w", pid, err)
	}
	select {
	case err := <-ready:
		if err == nil {
			return pid, nil
		}
		// The pipe closes when the child exits, usually just before
		// Wait learns of it: say which.
		select {
		case werr := <-exited:
			return 0, fmt.Errorf("child %d exited before it was ready: %v", pid, werr)
		case <-time.After(time.Second):
			return fail(fmt.Errorf("closed its readiness pipe: %w", err))
		}
	case err := <-exited:
		return 0, fmt.Errorf("child %d exited before it was ready: %v", pid, err)
	case <-time.After(o.upgradeTimeout()):
		return fail(errors.New("not ready within -upgrade-timeout"))
	}
}

// tellParentReady writes the readiness byte if this process is the child
// of an upgrade.
func tellParentReady(log *zap.Logger) {
	v := os.Getenv(EnvReadyFD)
	if v == "" {
		return
	}
	os.Unsetenv(EnvReadyFD) // not for our own children
	fd, err := strconv.Atoi(v)
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), "ready")
	defer f.Close()
	if _, err := f.Write([]byte{1}); err != nil {
		log.Warn("cannot tell the parent we serve", zap.Error(err))
	}
}

func (o Options) grace() time.Duration {
	if o.ShutdownGrace <= 0 {
		return 30 * time.Second
	}
	return o.ShutdownGrace
}

func (o Options) upgradeTimeout() time.Duration {
	if o.UpgradeTimeout <= 0 {
		return 10 * time.Second
	}
	return o.UpgradeTimeout
}
