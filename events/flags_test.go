package events_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pidfdsig/pidfdsig/events"
)

func TestFlags(t *testing.T) {
	const (
		thread       = "PIDFD_SIGNAL_THREAD"
		threadGroup  = "PIDFD_SIGNAL_THREAD_GROUP"
		processGroup = "PIDFD_SIGNAL_PROCESS_GROUP"
	)
	tests := []struct {
		name     string
		flags    events.Flags
		known    events.Flags
		unknown  events.Flags
		multiple bool
		valid    bool
		names    []string
		str      string
	}{
		{"no flags are valid and read 0", 0, 0, 0, false, true, nil, "0"},
		{"PIDFD_SIGNAL_THREAD alone is valid", 1, 1, 0, false, true, []string{thread}, thread},
		{"PIDFD_SIGNAL_THREAD_GROUP alone is valid", 2, 2, 0, false, true, []string{threadGroup}, threadGroup},
		{"PIDFD_SIGNAL_PROCESS_GROUP alone is valid", 4, 4, 0, false, true, []string{processGroup}, processGroup},
		{"thread and thread group together are two scopes", 3, 3, 0, true, false,
			[]string{thread, threadGroup}, thread + "|" + threadGroup},
		{"thread and process group together are two scopes", 5, 5, 0, true, false,
			[]string{thread, processGroup}, thread + "|" + processGroup},
		{"thread group and process group together are two scopes", 6, 6, 0, true, false,
			[]string{threadGroup, processGroup}, threadGroup + "|" + processGroup},
		{"all three scope flags are three scopes", 7, 7, 0, true, false,
			[]string{thread, threadGroup, processGroup}, thread + "|" + threadGroup + "|" + processGroup},
		{"bit 3 is unknown to the kernel", 8, 0, 8, false, false, nil, "0x8"},
		{"the top bit is unknown to the kernel", 0x80000000, 0, 0x80000000, false, false, nil, "0x80000000"},
		{"a scope flag with an unknown bit is invalid but names the scope", 9, 1, 8, false, false,
			[]string{thread}, thread + "|0x8"},
		{"every bit set is three scopes plus unknown bits", 0xffffffff, 7, 0xfffffff8, true, false,
			[]string{thread, threadGroup, processGroup}, thread + "|" + threadGroup + "|" + processGroup + "|0xfffffff8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.known, tt.flags.Known(), "Known")
			assert.Equal(t, tt.unknown, tt.flags.Unknown(), "Unknown")
			assert.Equal(t, tt.multiple, tt.flags.MultipleScopes(), "MultipleScopes")
			assert.Equal(t, tt.valid, tt.flags.Valid(), "Valid")
			assert.Equal(t, tt.names, tt.flags.Names(), "Names")
			assert.Equal(t, tt.str, tt.flags.String(), "String")
		})
	}
}

func TestFlagsHas(t *testing.T) {
	tests := []struct {
		name  string
		flags events.Flags
		query events.Flags
		want  bool
	}{
		{"a set flag is present", events.PIDFD_SIGNAL_PROCESS_GROUP, events.PIDFD_SIGNAL_PROCESS_GROUP, true},
		{"an unset flag is absent", events.PIDFD_SIGNAL_THREAD, events.PIDFD_SIGNAL_PROCESS_GROUP, false},
		{"a combination is present only when every bit is", events.PIDFD_SIGNAL_THREAD, events.PIDFD_SIGNAL_THREAD | events.PIDFD_SIGNAL_THREAD_GROUP, false},
		{"a combination is present when every bit is", 3, events.PIDFD_SIGNAL_THREAD | events.PIDFD_SIGNAL_THREAD_GROUP, true},
		{"an unknown bit can be queried", 9, 8, true},
		{"zero is always present", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.flags.Has(tt.query))
		})
	}
}

func TestFlagsConstantsMatchTheKernel(t *testing.T) {
	assert.Equal(t, events.Flags(1), events.PIDFD_SIGNAL_THREAD)
	assert.Equal(t, events.Flags(2), events.PIDFD_SIGNAL_THREAD_GROUP)
	assert.Equal(t, events.Flags(4), events.PIDFD_SIGNAL_PROCESS_GROUP)
	assert.Equal(t, events.Flags(7), events.KnownFlags)
}
