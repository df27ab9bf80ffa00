package signatures_test

import (
	"fmt"
	"log"
	"os"

	"github.com/aquasecurity/tracee/types/detect"

	"github.com/pidfdsig/pidfdsig/engine"
	"github.com/pidfdsig/pidfdsig/signatures"
)

// Read the findings on a real Tracee capture as Go values instead of
// asserting types on their data map.
func ExampleDecodeFinding() {
	in, err := os.Open("../testdata/tracee-samples/tracee-v0.24.1-trigger.jsonl")
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	sigs, err := signatures.New(signatures.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	report := func(f *detect.Finding) {
		d, err := signatures.DecodeFinding(f)
		if err != nil {
			log.Print(err)
			return
		}
		fmt.Printf("%s %s by %s (uid %d) flags=%v info=%#x errno=%s reasons=%v\n",
			f.SigMetadata.ID, d.Signal, d.Sender.Comm, d.Sender.UID, d.FlagNames, d.Info, d.Errno, d.Reasons)
	}
	if _, err := engine.Scan(in, sigs, engine.Options{OnFinding: report}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// PFD-2 SIGUSR2 by pidfd-trigger (uid 0) flags=[PIDFD_SIGNAL_PROCESS_GROUP] info=0x0 errno= reasons=[process_group_kill]
	// PFD-2 SIGUSR1 by pidfd-trigger (uid 0) flags=[] info=0x0 errno=EINVAL reasons=[unknown_flags]
	// PFD-3 SIGUSR1 by pidfd-trigger (uid 0) flags=[] info=0x7ffeddf43ec0 errno=EPERM reasons=[root_sender]
}
