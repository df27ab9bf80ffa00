//go:build !pidfdsig_noopa

package bundle_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/engine"
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/plugin/bundle"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// companionEvents are the events besides pidfd_send_signal the tracker
// learns from.
func companionEvents() []string {
	return target.NewTracker().SelectedEvents()[1:]
}

// removedEvents applies Tracee's rule (pkg/events/dependencies: an event
// whose dependency fails is removed, recursively) to the bundle's
// signatures: a signature's event depends on every event it selects.
// It returns the signature events removed when the failed events cannot
// be traced.
func removedEvents(t *testing.T, sigs []detect.Signature, failed []string) []string {
	t.Helper()
	gone := make(map[string]bool)
	for _, f := range failed {
		gone[f] = true
	}
	for changed := true; changed; {
		changed = false
		for _, s := range sigs {
			m, err := s.GetMetadata()
			require.NoError(t, err)
			sel, err := s.GetSelectedEvents()
			require.NoError(t, err)
			for _, e := range sel {
				if gone[e.Name] && !gone[m.EventName] {
					gone[m.EventName], changed = true, true
				}
			}
		}
	}
	var out []string
	for _, s := range sigs {
		m, _ := s.GetMetadata()
		if gone[m.EventName] {
			out = append(out, m.EventName)
		}
	}
	sort.Strings(out)
	return out
}

func TestNoCompanionEventTakesASignatureDown(t *testing.T) {
	users := ruleDir(t, map[string]string{"a.rego": rule("USER-1")})
	all := companionEvents()
	failures := [][]string{all, {events.EventDup, events.EventDup2, events.EventDup3}}
	for _, c := range all {
		failures = append(failures, []string{c})
	}
	for _, builtin := range []bundle.Builtin{bundle.BuiltinGo, bundle.BuiltinRego} {
		b, err := bundle.New(bundle.Options{Builtin: builtin, RegoDirs: []string{users}})
		require.NoError(t, err)
		for _, failed := range failures {
			t.Run(fmt.Sprintf("%s/%s", builtin, strings.Join(failed, "+")), func(t *testing.T) {
				var want []string
				for _, f := range failed {
					want = append(want, target.FollowerEventPrefix+f)
				}
				sort.Strings(want)
				assert.Equal(t, want, removedEvents(t, b.Signatures, failed),
					"only the followers of the events Tracee cannot trace may be removed")
			})
		}
	}
}

func TestFollowersAreTheLastSignatures(t *testing.T) {
	b, err := bundle.New(bundle.Options{})
	require.NoError(t, err)
	companions := companionEvents()
	require.GreaterOrEqual(t, len(b.Signatures), len(companions))
	tail := b.Signatures[len(b.Signatures)-len(companions):]
	for i, s := range tail {
		f, ok := s.(*target.Follower)
		require.True(t, ok, "signature %d is a %T", i, s)
		assert.Equal(t, companions[i], f.Event())
		sel, err := f.GetSelectedEvents()
		require.NoError(t, err)
		assert.Equal(t, []detect.SignatureEventSelector{{Source: "tracee", Name: companions[i], Origin: "*"}}, sel)
		m, err := f.GetMetadata()
		require.NoError(t, err)
		assert.Equal(t, target.FollowerEventPrefix+companions[i], m.EventName)
		assert.Contains(t, m.Tags, target.FollowerTag, "--events pidfdsig must select it")
	}
	for _, s := range b.Signatures[:len(b.Signatures)-len(companions)] {
		m, err := s.GetMetadata()
		require.NoError(t, err)
		assert.Contains(t, m.Tags, target.FollowerTag, "%s: --events pidfdsig must select it", m.ID)
	}
}

func TestNoticesNameWhatAKernelWithoutKprobesCosts(t *testing.T) {
	none := target.HostFeature(0)
	noKprobes := target.FeatureKprobes
	tests := []struct {
		name    string
		missing *target.HostFeature
		want    []string
	}{
		{name: "a kernel with kprobes costs nothing", missing: &none},
		{name: "a kernel without kprobes loses the dup family", missing: &noKprobes,
			want: []string{"dup (this kernel has no kprobes)", "dup2 (this kernel has no kprobes)", "dup3 (this kernel has no kprobes)", "live lookup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := bundle.New(bundle.Options{HostFeatures: tt.missing})
			require.NoError(t, err)
			if tt.want == nil {
				assert.Empty(t, b.Notices)
				return
			}
			require.Len(t, b.Notices, 1)
			for _, w := range tt.want {
				assert.Contains(t, b.Notices[0], w)
			}
			assert.NotContains(t, b.Notices[0], "pidfd_open")
		})
	}
}

// nopLogger discards what signatures log.
type nopLogger struct{}

func (nopLogger) Debugw(string, ...any) {}
func (nopLogger) Infow(string, ...any)  {}
func (nopLogger) Warnw(string, ...any)  {}
func (nopLogger) Errorw(string, ...any) {}

func TestFirstCallReportsUnselectedCompanions(t *testing.T) {
	var reports []string
	none := target.HostFeature(0)
	b, err := bundle.New(bundle.Options{HostFeatures: &none, Report: func(s string) { reports = append(reports, s) }})
	require.NoError(t, err)
	// Tracee starts only the signatures whose events are selected: here
	// the PFD signatures and every follower but close's and dup2's.
	var started []detect.Signature
	for _, s := range b.Signatures {
		if f, ok := s.(*target.Follower); ok && (f.Event() == events.EventClose || f.Event() == events.EventDup2) {
			continue
		}
		started = append(started, s)
	}
	eng, err := engine.New(started, engine.Options{OnFinding: func(*detect.Finding) {}, Logger: nopLogger{}})
	require.NoError(t, err)
	require.Empty(t, reports, "nothing is reported before the first call")
	call := trace.Event{EventName: events.EventPidfdSendSignal, Timestamp: 10, HostProcessID: 100, ProcessID: 100, HostThreadID: 100, ThreadID: 100,
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pidfd", Type: "int32"}, Value: int32(3)},
			{ArgMeta: trace.ArgMeta{Name: "sig", Type: "int32"}, Value: int32(0)},
			{ArgMeta: trace.ArgMeta{Name: "info", Type: "trace.Pointer"}, Value: trace.Pointer(0)},
			{ArgMeta: trace.ArgMeta{Name: "flags", Type: "uint32"}, Value: uint32(0)},
		}}
	for range 3 {
		require.NoError(t, eng.Dispatch(&call))
	}
	require.Len(t, reports, 1, "reported once")
	assert.Contains(t, reports[0], "close (not selected)")
	assert.Contains(t, reports[0], "dup2 (not selected)")
	assert.Contains(t, reports[0], "--events pidfdsig")
	assert.NotContains(t, reports[0], "pidfd_open")
}

// finding is what TestBundleFindsWhatSelfContainedSignaturesFind compares.
type finding struct{ id, data string }

func runAll(t *testing.T, sigs []detect.Signature, evs []trace.Event) []finding {
	t.Helper()
	var out []finding
	eng, err := engine.New(sigs, engine.Options{Logger: nopLogger{}, OnFinding: func(f *detect.Finding) {
		out = append(out, finding{id: f.SigMetadata.ID, data: fmt.Sprint(f.GetData())})
	}})
	require.NoError(t, err)
	for i := range evs {
		require.NoError(t, eng.Dispatch(&evs[i]))
	}
	eng.Complete()
	return out
}

func readCapture(t *testing.T, file string) []trace.Event {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	evs, _, err := capture.ReadAll(f) // bad lines are some scenarios' point
	require.NoError(t, err)
	return evs
}

// The bundle's signatures, fed by followers, find exactly what signatures
// that select every companion event themselves find (as `pidfdsig scan`
// runs them), on every scenario and Tracee capture.
func TestBundleFindsWhatSelfContainedSignaturesFind(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/scenarios/*.jsonl")
	samples, _ := filepath.Glob("../../testdata/tracee-samples/*.jsonl")
	files = append(files, samples...)
	require.NotEmpty(t, files)
	total := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			evs := readCapture(t, file)
			b, err := bundle.New(bundle.Options{})
			require.NoError(t, err)
			self, err := signatures.New(signatures.DefaultConfig())
			require.NoError(t, err)
			got := runAll(t, b.Signatures, evs)
			want := runAll(t, self, evs)
			assert.Equal(t, want, got)
			total += len(got)
		})
	}
	assert.Positive(t, total, "the scenarios have findings")
}
