// Command plugin is the pidfdsig Tracee signature plugin: build it with
// `pidfdsig plugin build` (package pluginbuild), which matches the tracee
// binary it is for, and put the .so in a directory given to
// `tracee --signatures-dir`. Tracee looks up ExportedSignatures and
// ExportedDataSources; what they hold is assembled by package bundle from
// the environment Tracee runs in (PIDFDSIG_CONFIG, PIDFDSIG_REGO_DIR,
// PIDFDSIG_BUILTIN, PIDFDSIG_LIVE). Built with the tag pidfdsig_noopa, the
// plugin links no OPA and carries the Go signatures only.
package main

import (
	"fmt"
	"os"

	"github.com/aquasecurity/tracee/types/detect"

	"github.com/pidfdsig/pidfdsig/plugin/bundle"
)

// ExportedSignatures are the signatures Tracee loads from this plugin.
var ExportedSignatures []detect.Signature

// ExportedDataSources are the data sources Tracee loads from this plugin:
// pidfdsig/pidfd_target.
var ExportedDataSources []detect.DataSource

func init() {
	// Tracee gives a plugin no logger before Init, and Tracee's own
	// logger hides debug lines by default: stderr is where an operator
	// looks, whatever Tracee's log level.
	b := bundle.FromEnvReporting(func(msg string) {
		fmt.Fprintf(os.Stderr, "pidfdsig plugin: %s\n", msg)
	})
	for _, n := range b.Notices {
		fmt.Fprintf(os.Stderr, "pidfdsig plugin: %s\n", n)
	}
	for _, p := range b.Problems {
		fmt.Fprintf(os.Stderr, "pidfdsig plugin: %v\n", p)
	}
	ExportedSignatures, ExportedDataSources = b.Signatures, b.DataSources
}

// main is never run: Tracee opens the package built with -buildmode=plugin.
// It lets `go build ./...` and `go vet` treat the package as any command.
func main() {}
