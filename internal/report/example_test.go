package report_test

import (
	"log"
	"os"

	"github.com/aquasecurity/tracee/types/detect"

	"github.com/pidfdsig/pidfdsig/engine"
	"github.com/pidfdsig/pidfdsig/internal/report"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// The table of the bundled Go signatures over a capture Tracee v0.24.1
// wrote of a program that signals its child through a pidfd.
func ExampleTable() {
	capture, err := os.Open("../../testdata/tracee-samples/tracee-v0.24.1-trigger.jsonl")
	if err != nil {
		log.Fatal(err)
	}
	defer capture.Close()
	sigs, err := signatures.New(signatures.DefaultConfig(), signatures.WithResolver(target.NewTracker()))
	if err != nil {
		log.Fatal(err)
	}
	table := report.NewTable(os.Stdout)
	_, err = engine.Scan(capture, sigs, engine.Options{
		OnFinding: func(f *detect.Finding) {
			_ = table.WriteFrom(f, report.Origin{Engine: "go"})
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := table.Flush(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 2026-11-27 01:12:35.263 UTC  PFD-2 Unusual pidfd_send_signal flags (pidfd_unusual_flags) [go]  medium
	//     SIGUSR2 sent by pidfd-trigger (pid 32234, uid 0) to process (pid 32235, uid unknown; pidfd followed from pidfd_open), flags PIDFD_SIGNAL_PROCESS_GROUP, result ok
	//     why: signals a whole process group at once
	// 2026-11-27 01:12:35.263 UTC  PFD-2 Unusual pidfd_send_signal flags (pidfd_unusual_flags) [go]  low
	//     SIGUSR1 sent by pidfd-trigger (pid 32234, uid 0) to process (pid 32235, uid unknown; pidfd followed from pidfd_open), flags 0x8, result EINVAL (invalid flags, signal or siginfo, or a target outside the sender's pid namespace)
	//     why: flag bits the kernel does not know (feature probing)
	// 2026-11-27 01:12:35.263 UTC  PFD-3 Forged siginfo refused by the kernel (pidfd_forged_siginfo) [go]  medium
	//     SIGUSR1 sent by pidfd-trigger (pid 32234, uid 0) to process (pid 32235, uid unknown; pidfd followed from pidfd_open), flags none, result EPERM (not permitted: another user's process, or a forged siginfo)
	//     why: the sender runs as root; caller-supplied siginfo at 0x7ffeddf43ec0
}
