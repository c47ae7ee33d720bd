// Command server runs one of the benchmark's servers — netloop on either
// engine, or a peer framework — in echo or HTTP mode until interrupted.
//
//	go run ./cmd/server -server gnet -mode echo -addr 127.0.0.1:7000 -loops 1
//	go run ./cmd/server -list
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"syscall"

	_ "github.com/netloop/netloop/bench/netloopsrv"
	"github.com/netloop/netloop/bench/peers"
)

func main() {
	var (
		name  = flag.String("server", "netloop-reactor", "server to run (see -list)")
		mode  = flag.String("mode", "echo", "echo or http")
		addr  = flag.String("addr", "127.0.0.1:7000", "listen address")
		loops = flag.Int("loops", 0, "event loops / pollers / GOMAXPROCS (0: one per CPU)")
		list  = flag.Bool("list", false, "list the servers and how each is configured")
	)
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("server: ")
	if *list {
		for _, m := range []peers.Mode{peers.Echo, peers.HTTP} {
			for _, n := range peers.Names(m) {
				s, _ := peers.Lookup(n)
				fmt.Printf("%-6s %-17s %s\n", m, n, s.Config[m])
			}
		}
		return
	}
	if *loops > 0 {
		// Every server, event-loop based or not, gets as many Ps as loops,
		// so none can use more CPU than another.
		runtime.GOMAXPROCS(*loops)
	}
	srv, err := peers.Start(*name, peers.Options{Addr: *addr, Mode: peers.Mode(*mode), Loops: *loops})
	if err != nil {
		log.Fatal(err)
	}
	if err := peers.Verify(*addr, peers.Mode(*mode)); err != nil {
		log.Fatalf("%s answers wrongly: %v", *name, err)
	}
	fmt.Printf("%s serving %s on %s\n", *name, *mode, *addr)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1)
	for s := range sig {
		if s != syscall.SIGUSR1 {
			break
		}
		printAllocations()
	}
	srv.Close()
}

// printAllocations answers SIGUSR1 with the heap allocations made since
// the process started, which the matrix reads at both ends of a measured
// window to report allocations per request.
func printAllocations() {
	m := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/tiny/allocs:objects"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(m)
	fmt.Printf("stats objects=%d bytes=%d\n", m[0].Value.Uint64()+m[1].Value.Uint64(), m[2].Value.Uint64())
}
