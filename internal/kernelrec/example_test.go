//go:build linux

package kernelrec_test

import (
	"log"
	"os"

	"golang.org/x/sys/unix"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/internal/kernelrec"
)

// A uid 1000 process tries to terminate a process of uid 65534, for real;
// the recording says what the kernel answered, in Tracee's v0.24.1 JSON.
// It must run as root, from a test binary whose TestMain calls HelperMain.
func ExampleRun() {
	boot, err := kernelrec.BootEpoch()
	if err != nil {
		log.Fatal(err)
	}
	rec := kernelrec.NewRecorder(boot)
	err = kernelrec.Run(rec, []kernelrec.Step{
		kernelrec.SpawnTarget("victim", 65534, "/usr/bin/sleep"),
		kernelrec.SpawnHelper("sender",
			kernelrec.Setresuid(1000, 1000, 1000),
			kernelrec.OpenPid("v", "victim"),
			kernelrec.Send("v", unix.SIGTERM), // EPERM
			kernelrec.Close("v")),
	}, kernelrec.WithHelperBinary("/tmp/kernelrec/kernelrec.test"))
	if err != nil {
		log.Fatal(err)
	}
	if err := rec.WriteJSONL(os.Stdout, capture.FormatLegacy); err != nil {
		log.Fatal(err)
	}
}
