//go:build race

package goroutine_test

const raceEnabled = true
