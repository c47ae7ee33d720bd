//go:build !race

package proactor_test

const raceEnabled = false
