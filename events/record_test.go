package events_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
)

func TestRecord(t *testing.T) {
	sender := events.Process{
		HostPID: 32237, PID: 32237, UID: 65534, Comm: "pidfd-trigger",
		Exe: "/usr/local/bin/pidfd-trigger", ContainerID: "c0ffee",
	}
	wantSender := events.SenderRecord{
		HostPID: 32237, PID: 32237, UID: 65534, Comm: "pidfd-trigger",
		Exe: "/usr/local/bin/pidfd-trigger", ContainerID: "c0ffee",
	}
	tests := []struct {
		name string
		call events.SendSignal
		want events.Record
	}{
		{
			name: "a successful probe through a real fd has no flag names and no errno",
			call: events.SendSignal{PidFD: 3, Signal: 0, Sender: sender},
			want: events.Record{
				PidFD: 3, PidFDKind: "fd", Sig: 0, Signal: "SIG0", FlagNames: []string{},
				Scope: "pidfd", Sender: wantSender,
			},
		},
		{
			name: "a refused call with an unknown flag carries the errno and the unknown bits",
			call: events.SendSignal{PidFD: 3, Signal: events.SIGUSR1, Flags: 9, Result: -22, Sender: sender},
			want: events.Record{
				PidFD: 3, PidFDKind: "fd", Sig: 10, Signal: "SIGUSR1", Flags: 9,
				FlagNames: []string{"PIDFD_SIGNAL_THREAD"}, UnknownFlags: 8, Scope: "invalid",
				Return: -22, Errno: "EINVAL", Sender: wantSender,
			},
		},
		{
			name: "two scope flags are reported as multiple scopes",
			call: events.SendSignal{PidFD: events.PIDFD_SELF_THREAD_GROUP, Signal: 99, Info: stackInfo, Flags: 3, Result: -22, Sender: sender},
			want: events.Record{
				PidFD: -10001, PidFDKind: "self_thread_group", Sig: 99, Signal: "SIGINVALID(99)", Flags: 3,
				FlagNames:      []string{"PIDFD_SIGNAL_THREAD", "PIDFD_SIGNAL_THREAD_GROUP"},
				MultipleScopes: true, Scope: "invalid", Info: stackInfo, Return: -22, Errno: "EINVAL",
				Sender: wantSender,
			},
		},
		{
			name: "a process-group signal names its scope",
			call: events.SendSignal{PidFD: 4, Signal: events.SIGTERM, Flags: 4, Sender: sender},
			want: events.Record{
				PidFD: 4, PidFDKind: "fd", Sig: 15, Signal: "SIGTERM", Flags: 4,
				FlagNames: []string{"PIDFD_SIGNAL_PROCESS_GROUP"}, Scope: "process_group", Sender: wantSender,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.call.Record())
		})
	}
}

func TestRecordJSONNeverHasNullFlagNames(t *testing.T) {
	call := events.SendSignal{PidFD: 3}
	b, err := json.Marshal(call.Record())
	require.NoError(t, err)
	assert.Contains(t, string(b), `"flag_names":[]`)
	assert.Contains(t, string(b), `"errno":""`)
}
