package events_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pidfdsig/pidfdsig/events"
)

func TestEffectiveScope(t *testing.T) {
	tests := []struct {
		name  string
		flags events.Flags
		pidfd events.PidFD
		want  events.Scope
	}{
		{"no flags on a real fd leaves the scope to the pidfd", 0, 3, events.ScopeFromPidFD},
		{"no flags on fd 0 leaves the scope to the pidfd", 0, 0, events.ScopeFromPidFD},
		{"no flags on PIDFD_SELF_THREAD signals the calling thread", 0, events.PIDFD_SELF_THREAD, events.ScopeThread},
		{"no flags on PIDFD_SELF_THREAD_GROUP signals the calling process", 0, events.PIDFD_SELF_THREAD_GROUP, events.ScopeThreadGroup},
		{"no flags on an invalid pidfd still defers to the pidfd", 0, -5, events.ScopeFromPidFD},
		{"PIDFD_SIGNAL_THREAD on a real fd signals one thread", events.PIDFD_SIGNAL_THREAD, 3, events.ScopeThread},
		{"PIDFD_SIGNAL_THREAD_GROUP on a real fd signals the process", events.PIDFD_SIGNAL_THREAD_GROUP, 3, events.ScopeThreadGroup},
		{"PIDFD_SIGNAL_PROCESS_GROUP on a real fd signals the process group", events.PIDFD_SIGNAL_PROCESS_GROUP, 3, events.ScopeProcessGroup},
		{"PIDFD_SIGNAL_THREAD overrides PIDFD_SELF_THREAD_GROUP", events.PIDFD_SIGNAL_THREAD, events.PIDFD_SELF_THREAD_GROUP, events.ScopeThread},
		{"PIDFD_SIGNAL_THREAD_GROUP overrides PIDFD_SELF_THREAD", events.PIDFD_SIGNAL_THREAD_GROUP, events.PIDFD_SELF_THREAD, events.ScopeThreadGroup},
		{"PIDFD_SIGNAL_PROCESS_GROUP overrides PIDFD_SELF_THREAD_GROUP", events.PIDFD_SIGNAL_PROCESS_GROUP, events.PIDFD_SELF_THREAD_GROUP, events.ScopeProcessGroup},
		{"two scope flags are invalid", 3, 3, events.ScopeInvalid},
		{"thread and process group flags are invalid", 5, 3, events.ScopeInvalid},
		{"all three scope flags are invalid", 7, events.PIDFD_SELF_THREAD, events.ScopeInvalid},
		{"an unknown bit alone is invalid", 8, 3, events.ScopeInvalid},
		{"an unknown bit beside a scope flag is invalid", 9, 3, events.ScopeInvalid},
		{"the top bit is invalid even on PIDFD_SELF_THREAD_GROUP", 0x80000000, events.PIDFD_SELF_THREAD_GROUP, events.ScopeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, events.EffectiveScope(tt.flags, tt.pidfd))
		})
	}
}

func TestSendSignalScopeUsesFlagsAndPidFD(t *testing.T) {
	call := events.SendSignal{PidFD: events.PIDFD_SELF_THREAD, Flags: 0}
	assert.Equal(t, events.ScopeThread, call.Scope())
	call.Flags = events.PIDFD_SIGNAL_PROCESS_GROUP
	assert.Equal(t, events.ScopeProcessGroup, call.Scope())
}

func TestScopeString(t *testing.T) {
	tests := []struct {
		name  string
		scope events.Scope
		want  string
	}{
		{"the pidfd-defined scope reads pidfd", events.ScopeFromPidFD, "pidfd"},
		{"the thread scope reads thread", events.ScopeThread, "thread"},
		{"the thread group scope reads thread_group", events.ScopeThreadGroup, "thread_group"},
		{"the process group scope reads process_group", events.ScopeProcessGroup, "process_group"},
		{"the invalid scope reads invalid", events.ScopeInvalid, "invalid"},
		{"an undefined scope reads invalid", events.Scope(200), "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.scope.String())
		})
	}
}
