package target

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTargetJSON(t *testing.T) {
	tests := []struct {
		name string
		t    Target
		want string
	}{
		{
			name: "an unknown target has its source, reason and flags only",
			t:    Target{Reason: "fd not tracked"},
			want: `{"source":"unknown","reason":"fd not tracked","thread":false,"is_sender":false,"exited":false}`,
		},
		{
			name: "a uid of 0 is written when known",
			t:    Target{Source: SourceTracked, HostPID: 1, PID: 1, UIDKnown: true, UID: 0},
			want: `{"source":"tracked","host_pid":1,"pid":1,"thread":false,"uid":0,"is_sender":false,"exited":false}`,
		},
		{
			name: "every field known",
			t: Target{Source: SourcePidfdInfo, HostPID: 4242, HostTID: 4243, PID: 5, Thread: true, UIDKnown: true, UID: 1000,
				CredsKnown: true, EUID: 0, SUID: 1000, Comm: "app", Exe: "/app", ContainerID: "c0ffee", PidNS: 4026532500,
				IsSender: true, Exited: true},
			want: `{"source":"pidfd_info","host_pid":4242,"host_tid":4243,"pid":5,"thread":true,"uid":1000,"euid":0,"suid":1000,` +
				`"comm":"app","exe":"/app","container_id":"c0ffee","pid_ns":4026532500,"is_sender":true,"exited":true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.t)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(b))

			// Fields has the same names and values as the JSON.
			var fromJSON map[string]any
			require.NoError(t, json.Unmarshal(b, &fromJSON))
			fields, err := json.Marshal(tt.t.Fields())
			require.NoError(t, err)
			assert.JSONEq(t, string(b), string(fields))
			assert.Len(t, tt.t.Fields(), len(fromJSON))
		})
	}
}

func TestSchemaNamesEveryRecordField(t *testing.T) {
	var schema struct {
		Properties map[string]any `json:"properties"`
		Required   []string       `json:"required"`
	}
	require.NoError(t, json.Unmarshal([]byte(Schema), &schema))
	full := Target{Source: SourceTracked, Reason: "r", HostPID: 1, HostTID: 1, PID: 1, UIDKnown: true, CredsKnown: true,
		Comm: "c", Exe: "e", ContainerID: "i", PidNS: 1}
	for name := range full.Fields() {
		assert.Contains(t, schema.Properties, name)
	}
	assert.Len(t, schema.Properties, len(full.Fields()))
	for _, name := range schema.Required {
		assert.Contains(t, Target{}.Fields(), name)
	}
}
