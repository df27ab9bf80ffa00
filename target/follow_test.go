package target

import (
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMissingFeaturesFromInterfaces(t *testing.T) {
	tests := []struct {
		name    string
		present []string
		want    HostFeature
	}{
		{name: "no kprobe interface means no kprobes", want: FeatureKprobes},
		{name: "the kprobe PMU is enough", present: []string{"/sys/bus/event_source/devices/kprobe"}},
		{name: "tracefs kprobe_events is enough", present: []string{"/sys/kernel/tracing/kprobe_events"}},
		{name: "debugfs kprobe_events is enough", present: []string{"/sys/kernel/debug/tracing/kprobe_events"}},
		{name: "an unrelated PMU is not", present: []string{"/sys/bus/event_source/devices/uprobe"}, want: FeatureKprobes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := missingFeatures(func(p string) bool {
				for _, q := range tt.present {
					if p == q {
						return true
					}
				}
				return false
			})
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCompanionsAreTheTrackersSelection(t *testing.T) {
	require.Len(t, companions, len(selectedEvents)-1)
	for i, c := range companions {
		assert.Equal(t, selectedEvents[i+1], c.event)
		assert.NotEmpty(t, c.loses)
	}
}

func TestCoverage(t *testing.T) {
	tests := []struct {
		name            string
		missing         HostFeature
		started         []string
		wantUnavailable []string
		wantNotSelected []string
	}{
		{name: "every follower started on a kernel with kprobes is complete",
			started: selectedEvents[1:]},
		{name: "a kernel without kprobes misses the dup family however selected", missing: FeatureKprobes,
			started: selectedEvents[1:], wantUnavailable: []string{"dup", "dup2", "dup3"}},
		{name: "an unavailable event is not also reported as not selected", missing: FeatureKprobes,
			started:         []string{"pidfd_open", "pidfd_getfd", "close", "close_range", "fcntl", "sched_process_fork", "sched_process_exec", "sched_process_exit", "setuid", "setreuid", "setresuid"},
			wantUnavailable: []string{"dup", "dup2", "dup3"}},
		{name: "followers Tracee did not start are not selected",
			started: []string{"pidfd_open"},
			wantNotSelected: []string{"pidfd_getfd", "close", "close_range", "dup", "dup2", "dup3", "fcntl",
				"sched_process_fork", "sched_process_exec", "sched_process_exit", "setuid", "setreuid", "setresuid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFollowers(NewTracker(), WithHostFeatures(tt.missing))
			for _, x := range f.Followers() {
				for _, s := range tt.started {
					if x.Event() == s {
						require.NoError(t, x.Init(detect.SignatureContext{}))
					}
				}
			}
			cov := f.Coverage()
			assert.Equal(t, tt.wantUnavailable, gapEvents(cov.Unavailable))
			assert.Equal(t, tt.wantNotSelected, gapEvents(cov.NotSelected))
			assert.Equal(t, tt.wantUnavailable == nil && tt.wantNotSelected == nil, cov.Complete())
			assert.Len(t, cov.Messages(), btoi(tt.wantUnavailable != nil)+btoi(tt.wantNotSelected != nil))
		})
	}
}

func gapEvents(gaps []Gap) []string {
	var out []string
	for _, g := range gaps {
		out = append(out, g.Event)
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestFollowerFeedsTheTracker(t *testing.T) {
	tr := NewTracker()
	f := NewFollowers(tr, WithHostFeatures(0))
	var open *Follower
	for _, x := range f.Followers() {
		if x.Event() == "pidfd_open" {
			open = x
		}
	}
	require.NotNil(t, open)
	ev := trace.Event{EventName: "pidfd_open", Timestamp: 5, HostProcessID: 10, ProcessID: 10, HostThreadID: 10, ThreadID: 10, UserID: 1000,
		ReturnValue: 3, Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pid", Type: "int32"}, Value: int32(20)},
			{ArgMeta: trace.ArgMeta{Name: "flags", Type: "unsigned int"}, Value: uint32(0)},
		}}
	require.NoError(t, open.OnEvent(protocol.Event{Payload: ev}), "before Init: ignored")
	assert.Zero(t, open.Events())
	require.NoError(t, open.Init(detect.SignatureContext{}))
	require.NoError(t, open.OnEvent(protocol.Event{Payload: ev}))
	require.NoError(t, open.OnEvent(protocol.Event{Payload: "not an event"}), "a wrong payload is counted, not returned")
	assert.Equal(t, uint64(2), open.Events())
	assert.Equal(t, uint64(1), tr.Stats().Malformed)
	assert.Equal(t, 1, tr.Stats().FDs, "the pidfd_open binding is tracked")
	open.Close()
	require.NoError(t, open.OnEvent(protocol.Event{Payload: ev}))
	assert.Equal(t, uint64(2), open.Events(), "after Close: ignored")
}
