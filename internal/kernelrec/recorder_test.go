//go:build linux

package kernelrec

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/events"
)

func callReport(event string, at int64, ret int64, args ...int64) *Report {
	return &Report{Kind: KindCall, Time: at, Task: sender, Call: &Call{Event: event, Args: args, Ret: ret, Time: at}}
}

func TestRecorderOrdersEventsByTimestamp(t *testing.T) {
	rec := NewRecorder(0)
	// Reports arrive per process; events interleave in time.
	require.NoError(t, rec.Add(callReport(events.EventClose, 30, 0, 3)))
	require.NoError(t, rec.Add(callReport(events.EventPidfdOpen, 10, 3, 77, 0)))
	require.NoError(t, rec.Add(callReport(events.EventPidfdSendSignal, 20, 0, 3, 15, 0, 0)))
	require.NoError(t, rec.Add(callReport(events.EventDup, 20, 4, 3)))

	var got []string
	for _, ev := range rec.Events() {
		got = append(got, ev.EventName)
	}
	assert.Equal(t, []string{"pidfd_open", "pidfd_send_signal", "dup", "close"}, got, "ties keep their arrival order")
}

func TestRecorderKeepsTheFirstBadReport(t *testing.T) {
	rec := NewRecorder(0)
	assert.Error(t, rec.Add(callReport(events.EventClose, 1, 0)))
	assert.Error(t, rec.Add(&Report{Kind: "teleport"}))
	require.Error(t, rec.Err())
	assert.ErrorIs(t, rec.Err(), ErrArgCount)
	assert.Empty(t, rec.Events())
}

func TestRecorderIsSafeForConcurrentReports(t *testing.T) {
	rec := NewRecorder(0)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				_ = rec.Add(callReport(events.EventClose, int64(i*100+j), 0, 3))
			}
		}()
	}
	wg.Wait()
	assert.Len(t, rec.Events(), 400)
}

func TestRecorderNamesTheProcessesScriptsStarted(t *testing.T) {
	rec := NewRecorder(0)
	child := sender
	child.HostPID = 4300
	require.NoError(t, rec.Add(&Report{Kind: KindFork, Task: sender, Child: &child, Name: "victim"}))
	assert.Equal(t, map[int32]string{4300: "victim"}, rec.Names())
}

func TestWriteJSONLWritesEachTraceeFormat(t *testing.T) {
	rec := NewRecorder(0)
	require.NoError(t, rec.Add(callReport(events.EventPidfdSendSignal, 1795741955263366239, -1, 3, 15, 0, 0)))

	tests := []struct {
		format   capture.Format
		contains []string
		absent   []string
	}{
		{
			format: capture.FormatLegacy,
			contains: []string{`"eventId":"424"`, `"returnValue":-1`, `"executable":{"path":""}`,
				`"pidNamespace":4026531836`, `"matchedPolicies":[""]`, `{"name":"info","type":"trace.Pointer","value":0}`},
		},
		{
			format: capture.FormatProto,
			contains: []string{`"id":336`, `"timestamp":"2026-11-27T01:12:35.263366239Z"`,
				`"executable":{"path":"/tmp/kernelrec-1/kernelrec.test"}`, `{"name":"returnValue","int64":"-1"}`},
			absent: []string{"pidNamespace", "eventId"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.format.String(), func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, rec.WriteJSONL(&b, tt.format))
			line := b.String()
			require.True(t, strings.HasSuffix(line, "}\n"), "one JSON line")
			assert.True(t, json.Valid([]byte(line)))
			for _, s := range tt.contains {
				assert.Contains(t, line, s)
			}
			for _, s := range tt.absent {
				assert.NotContains(t, line, s)
			}

			var ev trace.Event
			f, err := capture.Decode(bytes.TrimSpace(b.Bytes()), &ev)
			require.NoError(t, err)
			assert.Equal(t, tt.format, f)
			call, err := events.ParseSendSignal(&ev)
			require.NoError(t, err)
			assert.Equal(t, events.SIGTERM, call.Signal)
			assert.True(t, call.Result.Is(1), "EPERM")
		})
	}
}

func TestWriteJSONLLeavesTheRecordingUnchanged(t *testing.T) {
	rec := NewRecorder(0)
	require.NoError(t, rec.Add(callReport(events.EventPidfdOpen, 1, 3, 77, 0)))
	var b bytes.Buffer
	require.NoError(t, rec.WriteJSONL(&b, capture.FormatProto))
	require.NoError(t, rec.WriteJSONL(&b, capture.FormatLegacy))
	ev := rec.Events()[0]
	assert.Equal(t, 434, ev.EventID, "the v0.24.1 id, as a plugin sees it")
	assert.Equal(t, sender.Exe, ev.Executable.Path)
}

func TestWriteJSONLRefusesAnUnknownFormat(t *testing.T) {
	assert.Error(t, NewRecorder(0).WriteJSONL(&bytes.Buffer{}, capture.FormatUnknown))
}
