//go:build linux

package kernelrec

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
)

// The YAML detectors of integrations/tracee-yaml-detector, as Tracee main's
// detector engine loads them.
const (
	yamlUnusualFlags     = "pidfd_unusual_flags_yaml"
	yamlProcessGroupKill = "pidfd_process_group_kill_yaml"
)

// yamlDetectorsDir is the directory of the YAML detectors in the checkout.
func yamlDetectorsDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "integrations", "tracee-yaml-detector")
}

// TestYAMLDetectorsLoadInTraceeMain has every real Tracee main at hand
// list the YAML detectors: both must load (Tracee logs and skips a
// detector it refuses, so listing is the check).
func TestYAMLDetectorsLoadInTraceeMain(t *testing.T) {
	dir := yamlDetectorsDir(t)
	for _, tv := range mainTracees(t) {
		t.Run(tv.name, func(t *testing.T) {
			args := append(append([]string{}, tv.run[1:]...), "list", "detectors", dir)
			out, err := exec.Command(tv.run[0], args...).CombinedOutput()
			require.NoError(t, err, "tracee list detectors %s:\n%s", dir, out)
			assert.NotContains(t, string(out), "Failed to load YAML", "tracee refuses a detector:\n%s", out)
			for _, id := range []string{"PFD-YAML-2A", "PFD-YAML-2B"} {
				assert.Regexp(t, regexp.MustCompile(`\|\s*`+id+`\s*\|`), string(out), "tracee does not list %s", id)
			}
		})
	}
}

// TestYAMLDetectorsLiveInTraceeMain runs Tracee main with the YAML
// detectors (no plugin), acts out every recorded scenario, and holds what
// the detectors produced to what their conditions say about each
// pidfd_send_signal Tracee printed in the same run: one produced event
// for each call that meets a detector's condition, none for any other.
func TestYAMLDetectorsLiveInTraceeMain(t *testing.T) {
	requireRecordingKernel(t)
	progs := programs(t)
	dir := yamlDetectorsDir(t)
	for _, tv := range mainTracees(t) {
		t.Run(tv.name, func(t *testing.T) {
			run := actInTracee(t, tv, []string{"--detectors", dir,
				"--events", strings.Join([]string{events.EventPidfdSendSignal, yamlUnusualFlags, yamlProcessGroupKill}, ",")}, nil, progs)
			assert.NotContains(t, run.stderr, "Failed to load YAML", "tracee refuses a detector")
			want, got := map[string][]string{}, map[string][]string{}
			for i := range run.events {
				ev := &run.events[i]
				key := fmt.Sprintf("%s tid %d at %d", scenarioAt(run.windows, int64(ev.Timestamp)), ev.HostThreadID, ev.Timestamp)
				switch ev.EventName {
				case events.EventPidfdSendSignal:
					call, err := events.ParseSendSignal(ev)
					require.NoError(t, err, "Tracee's pidfd_send_signal: %+v", ev.Args)
					for _, name := range yamlDetections(call) {
						want[name] = append(want[name], key)
					}
				case yamlUnusualFlags, yamlProcessGroupKill:
					got[ev.EventName] = append(got[ev.EventName], key)
				}
			}
			for _, name := range []string{yamlUnusualFlags, yamlProcessGroupKill} {
				sort.Strings(want[name])
				sort.Strings(got[name])
				assert.NotEmpty(t, want[name], "no scenario made a call %s should report: the comparison says nothing", name)
				assert.Equal(t, want[name], got[name], "%s: the calls its condition meets (want) and what Tracee produced (got)", name)
				t.Logf("%s: %d calls met its condition, %d produced", name, len(want[name]), len(got[name]))
			}
		})
	}
}

// yamlDetections are the produced events the YAML detectors' conditions
// give for one call, as the project's event package reads it: 2A for
// flags the kernel does not define or several scope flags, 2B for a
// delivered terminating or stopping signal to a process group.
func yamlDetections(call events.SendSignal) []string {
	var out []string
	if !call.Flags.Valid() {
		out = append(out, yamlUnusualFlags)
	}
	action := call.Signal.DefaultAction()
	if call.Flags == events.PIDFD_SIGNAL_PROCESS_GROUP && call.Result.OK() &&
		(action == events.ActionTerminate || action == events.ActionStop) {
		out = append(out, yamlProcessGroupKill)
	}
	return out
}

// mainTracees are the real Tracee main binaries at hand (the bundled
// main, and TRACEE_BIN when it is a main build); the test is skipped,
// saying why, without one.
func mainTracees(t *testing.T) []traceeVariant {
	t.Helper()
	var out []traceeVariant
	for _, tv := range traceeVariants(t) {
		if isMainTracee(tv.bin) {
			out = append(out, tv)
		}
	}
	if len(out) == 0 {
		t.Skip("SKIPPED LOUDLY: no Tracee main binary (the YAML detector engine is in main only): the YAML detectors are not tested in real Tracee")
	}
	return out
}
