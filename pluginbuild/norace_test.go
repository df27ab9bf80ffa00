//go:build !race

package pluginbuild_test

// raceEnabled reports that this test binary runs with the race detector, so
// a plugin it loads must be built with -race too.
const raceEnabled = false
