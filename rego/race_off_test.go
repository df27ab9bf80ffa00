//go:build !race

package rego_test

// raceEnabled shortens the slowest tests under the race detector.
const raceEnabled = false
