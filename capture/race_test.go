//go:build race

package capture

// raceEnabled shrinks the long-running tests under the race detector, which
// slows decoding tenfold.
const raceEnabled = true
