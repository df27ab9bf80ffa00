//go:build !pidfdsig_noopa

package bundle_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/engine"
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/plugin/bundle"
	"github.com/pidfdsig/pidfdsig/target"
)

// countingLive names process 200 of uid 1001 for every fd, and counts.
type countingLive struct{ calls atomic.Int32 }

func (c *countingLive) Lookup(target.LiveQuery) target.Target {
	c.calls.Add(1)
	return target.Target{Source: target.SourcePidfdInfo, HostPID: 200, PID: 200, UIDKnown: true, UID: 1001}
}

func TestLiveBudgetOverrunIsReportedOnce(t *testing.T) {
	tests := []struct {
		name        string
		rate        float64
		calls       int
		wantLookups int32
		wantReports int
	}{
		{name: "within the budget", rate: 5, calls: 5, wantLookups: 5, wantReports: 0},
		{name: "over the budget", rate: 2, calls: 6, wantLookups: 2, wantReports: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reports []string
			live := &countingLive{}
			b, err := bundle.New(bundle.Options{Live: live, LiveRate: tt.rate, Report: func(s string) { reports = append(reports, s) }})
			require.NoError(t, err)
			var findings int
			eng, err := engine.New(b.Signatures, engine.Options{OnFinding: func(*detect.Finding) { findings++ }, Logger: nopLogger{}})
			require.NoError(t, err)
			// uid 1000 kills through fds the stream never saw: PFD-1 needs
			// each target's owner, which only a live lookup can give.
			now := int(time.Now().UnixNano())
			for i := range tt.calls {
				call := trace.Event{EventName: events.EventPidfdSendSignal, Timestamp: now + i, UserID: 1000,
					HostProcessID: 100, ProcessID: 100, HostThreadID: 100, ThreadID: 100,
					Args: []trace.Argument{
						{ArgMeta: trace.ArgMeta{Name: "pidfd", Type: "int32"}, Value: int32(3 + i)},
						{ArgMeta: trace.ArgMeta{Name: "sig", Type: "int32"}, Value: int32(9)},
						{ArgMeta: trace.ArgMeta{Name: "info", Type: "trace.Pointer"}, Value: trace.Pointer(0)},
						{ArgMeta: trace.ArgMeta{Name: "flags", Type: "uint32"}, Value: uint32(0)},
					}}
				require.NoError(t, eng.Dispatch(&call))
			}
			assert.Equal(t, tt.wantLookups, live.calls.Load())
			assert.Equal(t, int(tt.wantLookups), findings, "a cross-user finding for each call looked up")
			var budget []string
			for _, r := range reports {
				if assert.Contains(t, r, "live lookups went over their budget") {
					budget = append(budget, r)
				}
			}
			require.Len(t, budget, tt.wantReports)
			if tt.wantReports > 0 {
				assert.Contains(t, budget[0], bundle.EnvLiveRate)
			}
		})
	}
}
