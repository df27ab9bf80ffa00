package report

import (
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleFinding() *detect.Finding {
	cause := trace.Event{
		Timestamp: 1795741955263366239, EventID: 424, EventName: "pidfd_send_signal",
		HostProcessID: 32234, ProcessName: "pidfd-trigger", ReturnValue: -1,
		Args: []trace.Argument{{ArgMeta: trace.ArgMeta{Name: "sig", Type: "int32"}, Value: int32(10)}},
	}
	return &detect.Finding{
		Data: map[string]interface{}{
			"signal": "SIGUSR1", "flags": uint32(0), "errno": "EPERM",
			"sender": map[string]interface{}{"comm": "pidfd-trigger", "host_pid": int32(32234), "uid": uint32(0)},
			"target": map[string]interface{}{"source": "tracked", "host_pid": 32235, "uid": uint32(1000), "comm": "sleep"},
		},
		Event: protocol.Event{Payload: cause},
		SigMetadata: detect.SignatureMetadata{
			ID: "PFD-3", Name: "Forged siginfo", EventName: "pidfd_forged_siginfo", Version: "1",
			Properties: map[string]interface{}{"Severity": 2},
		},
	}
}

func TestTraceEventHasTraceesFindingShape(t *testing.T) {
	f := sampleFinding()
	ev, ok := TraceEvent(f)
	require.True(t, ok)
	assert.Equal(t, "pidfd_forged_siginfo", ev.EventName)
	assert.Equal(t, 32234, ev.HostProcessID, "the context of the causal event is kept")
	var names []string
	for _, a := range ev.Args {
		names = append(names, a.Name)
	}
	assert.Equal(t, []string{"errno", "flags", "sender", "signal", "target", "triggeredBy"}, names, "data in key order, then the cause")
	assert.Equal(t, len(ev.Args), ev.ArgsNum)
	trig := ev.Args[len(ev.Args)-1].Value.(map[string]interface{})
	assert.Equal(t, "pidfd_send_signal", trig["name"])
	assert.Equal(t, 424, trig["id"])
	assert.Equal(t, -1, trig["returnValue"])
	require.NotNil(t, ev.Metadata)
	assert.Equal(t, "PFD-3", ev.Metadata.Properties["signatureID"])
	assert.Equal(t, "Forged siginfo", ev.Metadata.Properties["signatureName"])
	assert.Equal(t, 2, ev.Metadata.Properties["Severity"])
	_, changed := f.SigMetadata.Properties["signatureID"]
	assert.False(t, changed, "the signature's own metadata is not modified")
}

func TestTraceEventNeedsATraceEventPayload(t *testing.T) {
	f := sampleFinding()
	f.Event.Payload = "not an event"
	_, ok := TraceEvent(f)
	assert.False(t, ok)
}
