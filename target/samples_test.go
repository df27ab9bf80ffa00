package target

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/events"
)

const samplesDir = "../testdata/tracee-samples"

// readCapture reads a Tracee JSON capture in either format.
func readCapture(t *testing.T, name string) []trace.Event {
	t.Helper()
	f, err := os.Open(filepath.Join(samplesDir, name))
	require.NoError(t, err)
	defer f.Close()
	r := capture.NewReader(f)
	var evs []trace.Event
	for {
		var ev trace.Event
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			return evs
		}
		require.NoError(t, err)
		evs = append(evs, ev)
	}
}

// TestRealCaptures replays the captures of the trigger program (see
// testdata/tracee-samples/*.txt): the parent opens a pidfd to its child as
// fd 3 and signals it; a forked process running as uid 65534 opens its own
// pidfd to the child as fd 4. Every send resolves to the child, tracked.
// The child never emits an event, so its owner stays unknown offline.
func TestRealCaptures(t *testing.T) {
	tests := []struct {
		file          string
		parent, child int32
		nobody        int32
	}{
		{"tracee-v0.24.1-trigger.jsonl", 32234, 32235, 32237},
		{"tracee-main-trigger.jsonl", 19483, 19484, 19485},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			evs := readCapture(t, tt.file)
			tr := NewTracker()
			sends := 0
			for i := range evs {
				ev := &evs[i]
				tr.Observe(ev)
				if ev.EventName != events.EventPidfdSendSignal {
					continue
				}
				sends++
				call, err := events.ParseSendSignal(ev)
				require.NoError(t, err)
				got := tr.Resolve(ev, &call)
				assert.Equal(t, SourceTracked, got.Source, "send %d: %s", i, got.Reason)
				assert.Equal(t, tt.child, got.HostPID)
				assert.Equal(t, tt.child, got.PID)
				assert.False(t, got.IsSender)
				assert.False(t, got.UIDKnown, "the child emitted no event")
				assert.Equal(t, call.Result.Is(events.ESRCH), got.Exited, "only the ESRCH send saw the child dead")
				if call.Sender.HostPID == tt.nobody {
					assert.Equal(t, events.PidFD(4), call.PidFD)
				}
			}
			assert.Equal(t, 9, sends)
			assert.Zero(t, tr.Stats().Malformed)
		})
	}
}

// TestRealCaptureLegacyJSON reads the v0.24.1 capture with encoding/json
// alone, as trace.Event unmarshals it, to stay independent of the capture
// package.
func TestRealCaptureLegacyJSON(t *testing.T) {
	f, err := os.Open(filepath.Join(samplesDir, "tracee-v0.24.1-trigger.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	dec := json.NewDecoder(f)
	tr := NewTracker()
	var last trace.Event
	for {
		var ev trace.Event
		if err := dec.Decode(&ev); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		tr.Observe(&ev)
		if ev.EventName == events.EventPidfdSendSignal && ev.HostProcessID == 32237 {
			last = ev
		}
	}
	call, err := events.ParseSendSignal(&last)
	require.NoError(t, err)
	got := tr.Resolve(&last, &call)
	assert.Equal(t, unseen(32235), got, "the uid-65534 process's fd 4")
}
