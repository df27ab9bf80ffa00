package engine_test

import (
	"fmt"
	"os"

	"github.com/aquasecurity/tracee/types/detect"

	"github.com/pidfdsig/pidfdsig/engine"
	"github.com/pidfdsig/pidfdsig/signatures"
)

// Run the bundled Go signatures over a capture Tracee v0.24.1 wrote.
func ExampleScan() {
	f, err := os.Open("../testdata/tracee-samples/tracee-v0.24.1-trigger.jsonl")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	sigs, err := signatures.New(signatures.DefaultConfig())
	if err != nil {
		panic(err)
	}
	stats, err := engine.Scan(f, sigs, engine.Options{
		OnFinding: func(f *detect.Finding) {
			fmt.Println(f.SigMetadata.ID, f.SigMetadata.EventName, f.Data["signal"])
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", stats)
	// Output:
	// PFD-2 pidfd_unusual_flags SIGUSR2
	// PFD-2 pidfd_unusual_flags SIGUSR1
	// PFD-3 pidfd_forged_siginfo SIGUSR1
	// {Events:11 BadLines:0 SignatureErrors:0}
}
