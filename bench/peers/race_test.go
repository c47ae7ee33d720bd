//go:build race

package peers_test

// raceEnabled reports whether the race detector is on.
const raceEnabled = true
