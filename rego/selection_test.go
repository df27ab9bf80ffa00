package rego_test

import (
	"fmt"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/engine"
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/rego"
)

// selectingRule fires on every event it is given, selecting sel.
func selectingRule(sel string) string {
	return fmt.Sprintf(`package tracee.SEL

__rego_metadoc__ := {"id": "SEL-1", "version": "1", "name": "sel", "eventName": "sel", "description": "", "tags": [], "properties": {}}

tracee_selected_events := %s

tracee_match := {"event": input.eventName}
`, sel)
}

// TestEachSelectedEventIsDeliveredOnce runs rules whose selections overlap
// the events the tracker learns from (or each other) through an engine that
// dispatches like Tracee's: one finding per event, never two.
func TestEachSelectedEventIsDeliveredOnce(t *testing.T) {
	stream := []string{
		events.EventPidfdSendSignal, events.EventPidfdOpen, events.EventClose, events.EventDup,
		events.EventSchedProcessExec, events.EventPidfdSendSignal, "openat", "security_file_open", events.EventSchedProcessExit,
	}
	tests := []struct {
		name string
		sel  string
		want int // findings for the stream
	}{
		{"every tracee event", `{{"source": "tracee", "name": "*"}}`, len(stream)},
		{"every event of every source", `{{"source": "*", "name": "*", "origin": "*"}}`, len(stream)},
		{"every event and pidfd_send_signal again", `{{"source": "tracee", "name": "*"}, {"source": "tracee", "name": "pidfd_send_signal", "origin": "host"}}`, len(stream)},
		{"every host event", `{{"source": "tracee", "name": "*", "origin": "host"}}`, len(stream)},
		{"every container event: host events are not the rule's", `{{"source": "tracee", "name": "*", "origin": "container"}}`, 0},
		{"one event", `{{"source": "tracee", "name": "pidfd_send_signal"}}`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := rego.New(rego.WithoutBuiltinRules(), rego.WithoutEnvironment(), patient,
				rego.WithRuleDirs(writeRules(t, map[string]string{"sel.rego": selectingRule(tt.sel)})))
			require.NoError(t, err)
			require.Empty(t, rt.LoadErrors())
			var findings []*detect.Finding
			eng, err := engine.New(rt.Signatures(), engine.Options{OnFinding: func(f *detect.Finding) { findings = append(findings, f) }})
			require.NoError(t, err)
			for i, name := range stream {
				ev := trace.Event{EventName: name, Timestamp: 1000 + i, HostProcessID: 100, ProcessID: 100, HostThreadID: 100, ThreadID: 100, UserID: 1000}
				require.NoError(t, eng.Dispatch(&ev))
			}
			assert.Equal(t, tt.want, len(findings), "findings")
		})
	}
}
