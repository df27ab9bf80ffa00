package events_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pidfdsig/pidfdsig/events"
)

func TestPidFD(t *testing.T) {
	tests := []struct {
		name   string
		pidfd  events.PidFD
		kind   events.PidFDKind
		isSelf bool
		str    string
	}{
		{"fd 0 is a file descriptor", 0, events.PidFDKindFD, false, "0"},
		{"fd 3 is a file descriptor", 3, events.PidFDKindFD, false, "3"},
		{"the largest int32 is a file descriptor number", math.MaxInt32, events.PidFDKindFD, false, "2147483647"},
		{"-10000 is PIDFD_SELF_THREAD", -10000, events.PidFDSelfThread, true, "PIDFD_SELF_THREAD"},
		{"-10001 is PIDFD_SELF_THREAD_GROUP", -10001, events.PidFDSelfThreadGroup, true, "PIDFD_SELF_THREAD_GROUP"},
		{"-1 is invalid", -1, events.PidFDInvalid, false, "-1"},
		{"-5 is invalid", -5, events.PidFDInvalid, false, "-5"},
		{"-9999 next to the special values is invalid", -9999, events.PidFDInvalid, false, "-9999"},
		{"-10002 next to the special values is invalid", -10002, events.PidFDInvalid, false, "-10002"},
		{"the smallest int32 is invalid", math.MinInt32, events.PidFDInvalid, false, "-2147483648"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.kind, tt.pidfd.Kind(), "Kind")
			assert.Equal(t, tt.isSelf, tt.pidfd.IsSelf(), "IsSelf")
			assert.Equal(t, tt.str, tt.pidfd.String(), "String")
		})
	}
}

func TestPidFDKindString(t *testing.T) {
	tests := []struct {
		name string
		kind events.PidFDKind
		want string
	}{
		{"a file descriptor reads fd", events.PidFDKindFD, "fd"},
		{"PIDFD_SELF_THREAD reads self_thread", events.PidFDSelfThread, "self_thread"},
		{"PIDFD_SELF_THREAD_GROUP reads self_thread_group", events.PidFDSelfThreadGroup, "self_thread_group"},
		{"an invalid pidfd reads invalid", events.PidFDInvalid, "invalid"},
		{"an undefined kind reads invalid", events.PidFDKind(200), "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.kind.String())
		})
	}
}

func TestInfoPointer(t *testing.T) {
	tests := []struct {
		name   string
		info   events.InfoPointer
		isNull bool
		str    string
	}{
		{"address 0 is NULL", 0, true, "NULL"},
		{"address 1 is not NULL", 1, false, "0x1"},
		{"a stack address is shown in hex", 0x7ffe3c3fc1c0, false, "0x7ffe3c3fc1c0"},
		{"the highest address is shown in full", math.MaxUint64, false, "0xffffffffffffffff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.isNull, tt.info.IsNull(), "IsNull")
			assert.Equal(t, tt.str, tt.info.String(), "String")
		})
	}
}
