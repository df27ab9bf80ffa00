package signatures_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// jsonObject returns v as decoded JSON.
func jsonObject(t *testing.T, v interface{}) map[string]interface{} {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]interface{}
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestFindingDataCarriesTheParseRecord(t *testing.T) {
	for _, c := range []call{
		{pidfd: 3, sig: events.SIGKILL},
		{pidfd: int32(events.PIDFD_SELF_THREAD), sig: 0, info: 0x7ffd0000, flags: 0x80000007, result: -22},
		{pidfd: -5, sig: 99, result: -9},
	} {
		ev := sendEvent(inContainer, c, 1)
		parsed, err := events.ParseSendSignal(&ev)
		require.NoError(t, err)
		tt := targetOf(falco)
		data := jsonObject(t, signatures.FindingData(&parsed, &tt))
		delete(data, signatures.DataTarget)
		assert.Equal(t, jsonObject(t, parsed.Record()), data,
			"finding data must hold exactly the `pidfdsig parse -o json` record, under the same names")
	}
}

func TestFindingDataTarget(t *testing.T) {
	ev := sendEvent(alice, call{pidfd: 3, sig: events.SIGKILL}, 1)
	parsed, err := events.ParseSendSignal(&ev)
	require.NoError(t, err)
	for name, tt := range map[string]target.Target{
		"a known target": {
			Source: target.SourceTracked, HostPID: 900, HostTID: 901, PID: 900, Thread: true,
			UIDKnown: true, UID: 0, CredsKnown: true, EUID: 0, SUID: 5,
			Comm: "falco", Exe: "/usr/bin/falco", ContainerID: "c1", PidNS: 42, Exited: true,
		},
		"an unknown target": {Reason: "fd not tracked"},
	} {
		t.Run(name, func(t *testing.T) {
			got := jsonObject(t, signatures.FindingData(&parsed, &tt))[signatures.DataTarget]
			assert.Equal(t, jsonObject(t, tt.Record()), got, "the target is its target.Record")
			typed := signatures.FindingData(&parsed, &tt)[signatures.DataTarget].(signatures.DataObject)
			fields := tt.Fields()
			require.Len(t, typed, len(fields), "the keys of target.Target.Fields")
			for k, v := range fields {
				want, err := signatures.DataValue(v)
				require.NoError(t, err)
				assert.Equal(t, want, typed[k], "key %q, in the types of finding data", k)
			}
		})
	}
	unknown := target.Target{Reason: "fd not tracked"}
	got := signatures.FindingData(&parsed, &unknown)[signatures.DataTarget].(signatures.DataObject)
	assert.NotContains(t, got, "uid", "an unknown uid is left out, never 0")
}
