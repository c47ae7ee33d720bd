package peers_test

import (
	"testing"

	"github.com/netloop/netloop/bench/peers"
)

// TestPeersAnswerCorrectly starts every registered peer in every mode it
// implements and checks its answers, so that a misconfigured peer cannot
// produce numbers.
func TestPeersAnswerCorrectly(t *testing.T) {
	for _, mode := range []peers.Mode{peers.Echo, peers.HTTP} {
		for _, name := range peers.Names(mode) {
			t.Run(string(mode)+"/"+name, func(t *testing.T) {
				if raceEnabled && name == "nbio" && mode == peers.HTTP {
					// nbhttp v1.6.8 reads a connection's address on its
					// poller while its listener goroutine still writes it
					// (processor.go:230 against engine.go:332): its race,
					// not ours.
					t.Skip("nbio's HTTP engine has a data race of its own")
				}
				addr, err := peers.FreeAddr()
				if err != nil {
					t.Fatal(err)
				}
				srv, err := peers.Start(name, peers.Options{Addr: addr, Mode: mode, Loops: 1})
				if err != nil {
					t.Fatal(err)
				}
				defer srv.Close()
				if err := peers.Verify(addr, mode); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestStartRejectsUnknown(t *testing.T) {
	tests := []struct {
		name   string
		server string
		mode   peers.Mode
	}{
		{name: "no such server", server: "nonesuch", mode: peers.Echo},
		{name: "mode not implemented", server: "fasthttp", mode: peers.Echo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if srv, err := peers.Start(tt.server, peers.Options{Addr: "127.0.0.1:1", Mode: tt.mode}); err == nil {
				srv.Close()
				t.Fatal("Start succeeded")
			}
		})
	}
}
