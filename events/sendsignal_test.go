package events_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
)

// stackInfo is a siginfo address as seen in the real captures.
const stackInfo = 0x7ffeddf43ec0

func TestParseSendSignalArgumentShapes(t *testing.T) {
	tests := []struct {
		name        string
		args        []trace.Argument
		eventReturn int
		want        events.SendSignal
	}{
		{
			name: "live plugin values of Tracee v0.24.1 are decoded with the event's return value",
			args: liveArgs(3, 10, 0, 0), eventReturn: 0,
			want: events.SendSignal{PidFD: 3, Signal: events.SIGUSR1, Info: 0, Flags: 0, Result: 0},
		},
		{
			name: "a failing v0.24.1 call takes its errno from the event's return value",
			args: liveArgs(3, 10, 0, 8), eventReturn: -22,
			want: events.SendSignal{PidFD: 3, Signal: events.SIGUSR1, Flags: 8, Result: -22},
		},
		{
			name: "the main branch's trailing int64 returnValue wins over the event field",
			args: withReturnValue(liveArgs(3, 10, stackInfo, 0), -1), eventReturn: 0,
			want: events.SendSignal{PidFD: 3, Signal: events.SIGUSR1, Info: stackInfo, Result: -1},
		},
		{
			name: "a trailing returnValue of 0 wins over a failing event field",
			args: withReturnValue(liveArgs(3, 9, 0, 0), 0), eventReturn: -3,
			want: events.SendSignal{PidFD: 3, Signal: events.SIGKILL, Result: 0},
		},
		{
			name: "PIDFD_SELF_THREAD_GROUP and a scope flag are kept as sent",
			args: withReturnValue(liveArgs(-10001, 0, 0, 4), 0),
			want: events.SendSignal{PidFD: events.PIDFD_SELF_THREAD_GROUP, Signal: 0, Flags: events.PIDFD_SIGNAL_PROCESS_GROUP},
		},
		{
			name: "float64 values from encoding/json are decoded",
			args: []trace.Argument{
				arg("pidfd", float64(4)), arg("sig", float64(15)), arg("info", float64(stackInfo)),
				arg("flags", float64(1)), arg("returnValue", float64(-9)),
			},
			want: events.SendSignal{PidFD: 4, Signal: events.SIGTERM, Info: stackInfo, Flags: 1, Result: -9},
		},
		{
			name: "json.Number values from a UseNumber decoder are decoded",
			args: []trace.Argument{
				arg("pidfd", json.Number("4")), arg("sig", json.Number("64")), arg("info", json.Number("0")),
				arg("flags", json.Number("2")), arg("returnValue", json.Number("-1")),
			},
			want: events.SendSignal{PidFD: 4, Signal: events.SIGRTMAX, Flags: 2, Result: -1},
		},
		{
			name: "numeric strings of the protobuf-style output are decoded, hex pointers included",
			args: []trace.Argument{
				arg("pidfd", "5"), arg("sig", "19"), arg("info", "0x7ffeddf43ec0"),
				arg("flags", "0"), arg("returnValue", "-3"),
			},
			want: events.SendSignal{PidFD: 5, Signal: events.SIGSTOP, Info: stackInfo, Result: -3},
		},
		{
			name: "a decimal pointer string is decoded",
			args: []trace.Argument{
				arg("pidfd", int32(3)), arg("sig", int32(10)), arg("info", "140732622192320"), arg("flags", uint32(0)),
			},
			want: events.SendSignal{PidFD: 3, Signal: events.SIGUSR1, Info: stackInfo},
		},
		{
			name: "arguments in another order are found by name",
			args: []trace.Argument{
				arg("returnValue", int64(-1)), arg("flags", uint32(0)), arg("info", trace.Pointer(stackInfo)),
				arg("sig", int32(10)), arg("pidfd", int32(3)),
			},
			want: events.SendSignal{PidFD: 3, Signal: events.SIGUSR1, Info: stackInfo, Result: -1},
		},
		{
			name: "mixed shapes in one event are decoded",
			args: []trace.Argument{
				arg("pidfd", int32(3)), arg("sig", float64(12)), arg("info", "0"),
				arg("flags", json.Number("4")), arg("returnValue", int64(0)),
			},
			want: events.SendSignal{PidFD: 3, Signal: events.SIGUSR2, Flags: 4},
		},
		{
			name: "extra arguments are ignored",
			args: append(liveArgs(3, 10, 0, 0), arg("unrelated", "value")),
			want: events.SendSignal{PidFD: 3, Signal: events.SIGUSR1},
		},
		{
			name: "an out-of-range signal that fits int32 decodes and is not valid",
			args: withReturnValue(liveArgs(3, 99, 0, 0), -22),
			want: events.SendSignal{PidFD: 3, Signal: 99, Result: -22},
		},
		{
			name: "a negative signal decodes and is not valid",
			args: withReturnValue(liveArgs(3, -1, 0, 0), -22),
			want: events.SendSignal{PidFD: 3, Signal: -1, Result: -22},
		},
		{
			name: "unknown flag bits that fit uint32 are decoded",
			args: withReturnValue(liveArgs(3, 10, 0, 0x80000000), -22),
			want: events.SendSignal{PidFD: 3, Signal: events.SIGUSR1, Flags: 0x80000000, Result: -22},
		},
		{
			name: "an invalid negative pidfd is decoded",
			args: withReturnValue(liveArgs(-5, 0, 0, 0), -9),
			want: events.SendSignal{PidFD: -5, Result: -9},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sendSignalEvent(tt.args...)
			ev.ReturnValue = tt.eventReturn
			got, err := events.ParseSendSignal(&ev)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseSendSignalOutOfRangeSignalIsNotValid(t *testing.T) {
	ev := sendSignalEvent(withReturnValue(liveArgs(3, 99, 0, 0), -22)...)
	call, err := events.ParseSendSignal(&ev)
	require.NoError(t, err)
	assert.False(t, call.Signal.Valid())
	assert.Equal(t, "SIGINVALID(99)", call.Signal.String())
	assert.True(t, call.Result.Is(events.EINVAL))
}

func TestParseSendSignalSender(t *testing.T) {
	base := trace.Event{
		EventName:           events.EventPidfdSendSignal,
		Args:                liveArgs(3, 10, 0, 0),
		ProcessID:           7,
		ThreadID:            8,
		HostProcessID:       32234,
		HostThreadID:        32236,
		HostParentProcessID: 32218,
		UserID:              65534,
		PIDNS:               4026531836,
		MountNS:             4026531832,
		ProcessName:         "pidfd-trigger",
		Executable:          trace.File{Path: "/usr/local/bin/pidfd-trigger"},
		ProcessEntityId:     2415554493,
		ThreadEntityId:      2415554494,
		ParentEntityId:      3739737205,
	}
	wantBase := events.Process{
		HostPID:       32234,
		HostTID:       32236,
		PID:           7,
		TID:           8,
		HostParentPID: 32218,
		UID:           65534,
		PidNS:         4026531836,
		MountNS:       4026531832,
		Comm:          "pidfd-trigger",
		Exe:           "/usr/local/bin/pidfd-trigger",
		EntityID:      2415554493,
		ThreadEntity:  2415554494,
		ParentEntity:  3739737205,
	}
	tests := []struct {
		name   string
		modify func(*trace.Event)
		want   func(*events.Process)
	}{
		{
			name:   "a host process carries every context field and no container",
			modify: func(*trace.Event) {},
			want:   func(*events.Process) {},
		},
		{
			name:   "the container id comes from Container.ID",
			modify: func(ev *trace.Event) { ev.Container.ID = "c0ffee" },
			want:   func(p *events.Process) { p.ContainerID = "c0ffee" },
		},
		{
			name:   "the container id falls back to the legacy ContainerID field",
			modify: func(ev *trace.Event) { ev.ContainerID = "beef" },
			want:   func(p *events.Process) { p.ContainerID = "beef" },
		},
		{
			name: "Container.ID wins over the legacy ContainerID field",
			modify: func(ev *trace.Event) {
				ev.Container.ID = "c0ffee"
				ev.ContainerID = "beef"
			},
			want: func(p *events.Process) { p.ContainerID = "c0ffee" },
		},
		{
			name:   "a root sender has uid 0",
			modify: func(ev *trace.Event) { ev.UserID = 0 },
			want:   func(p *events.Process) { p.UID = 0 },
		},
		{
			name:   "the overflow uid 4294967294 is kept",
			modify: func(ev *trace.Event) { ev.UserID = 4294967294 },
			want:   func(p *events.Process) { p.UID = 4294967294 },
		},
		{
			name:   "a host pid beyond int32 is clamped to 0",
			modify: func(ev *trace.Event) { ev.HostProcessID = 1 << 40 },
			want:   func(p *events.Process) { p.HostPID = 0 },
		},
		{
			name:   "a namespace inode beyond uint32 is clamped to 0",
			modify: func(ev *trace.Event) { ev.PIDNS = 1 << 33 },
			want:   func(p *events.Process) { p.PidNS = 0 },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := base
			tt.modify(&ev)
			want := wantBase
			tt.want(&want)

			call, err := events.ParseSendSignal(&ev)
			require.NoError(t, err)
			assert.Equal(t, want, call.Sender)
			assert.Equal(t, want, events.ProcessOf(&ev), "ProcessOf agrees with the parser")
			assert.Equal(t, want.ContainerID != "", call.Sender.InContainer(), "InContainer")
		})
	}
}

func TestParseSendSignalWrongEvent(t *testing.T) {
	tests := []struct {
		name      string
		eventName string
	}{
		{"kill is not pidfd_send_signal", "kill"},
		{"pidfd_open is not pidfd_send_signal", "pidfd_open"},
		{"an empty name is not pidfd_send_signal", ""},
		{"names are case sensitive", "PIDFD_SEND_SIGNAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sendSignalEvent(liveArgs(3, 9, 0, 0)...)
			ev.EventName = tt.eventName

			_, err := events.ParseSendSignal(&ev)

			require.ErrorIs(t, err, events.ErrWrongEvent)
			var evErr *events.EventError
			require.True(t, errors.As(err, &evErr), "error is an *EventError: %T", err)
			assert.Equal(t, events.EventPidfdSendSignal, evErr.Want)
			assert.Equal(t, tt.eventName, evErr.Got)
			assert.Contains(t, err.Error(), fmt.Sprintf("%q", tt.eventName))
			assert.Contains(t, err.Error(), events.EventPidfdSendSignal)
		})
	}
}

func TestParseSendSignalArgErrors(t *testing.T) {
	live := withReturnValue(liveArgs(3, 10, 0, 0), 0)
	tests := []struct {
		name      string
		args      []trace.Argument
		arg       string
		value     any
		wantErr   error
		wantInMsg []string
	}{
		{"a missing pidfd is reported", without(live, "pidfd"), "pidfd", nil, events.ErrMissingArg, nil},
		{"a missing sig is reported", without(live, "sig"), "sig", nil, events.ErrMissingArg, nil},
		{"a missing info is reported", without(live, "info"), "info", nil, events.ErrMissingArg, nil},
		{"a missing flags is reported", without(live, "flags"), "flags", nil, events.ErrMissingArg, nil},
		{"an event without arguments reports the first missing one", nil, "pidfd", nil, events.ErrMissingArg, nil},
		{"a bool pidfd has the wrong type", replaced(live, "pidfd", true), "pidfd", true, events.ErrArgType,
			[]string{"bool(true)"}},
		{"a byte slice sig has the wrong type", replaced(live, "sig", []byte{9}), "sig", []byte{9}, events.ErrArgType,
			[]string{"[]uint8"}},
		{"a map info has the wrong type", replaced(live, "info", map[string]any{"si_code": 0}), "info",
			map[string]any{"si_code": 0}, events.ErrArgType, []string{"map[string]interface {}"}},
		{"a nil flags has the wrong type", replaced(live, "flags", nil), "flags", nil, events.ErrArgType, nil},
		{"a bool returnValue has the wrong type", replaced(live, "returnValue", false), "returnValue", false,
			events.ErrArgType, []string{"bool(false)"}},
		{"a pidfd of 1<<40 is out of range", replaced(live, "pidfd", int64(1<<40)), "pidfd", int64(1 << 40),
			events.ErrArgRange, []string{"1099511627776"}},
		{"a sig of 1<<31 is out of range", replaced(live, "sig", float64(1<<31)), "sig", float64(1 << 31),
			events.ErrArgRange, []string{"2.147483648e+09"}},
		{"flags of -1 are out of range", replaced(live, "flags", int32(-1)), "flags", int32(-1),
			events.ErrArgRange, []string{"int32(-1)"}},
		{"flags of 1<<33 are out of range", replaced(live, "flags", int64(1<<33)), "flags", int64(1 << 33),
			events.ErrArgRange, []string{"8589934592"}},
		{"a negative info is out of range", replaced(live, "info", "-1"), "info", "-1",
			events.ErrArgRange, []string{"string(-1)"}},
		{"a non-integral float sig is not an integer", replaced(live, "sig", 9.5), "sig", 9.5,
			events.ErrArgType, []string{"float64(9.5)"}},
		{"a non-numeric string sig is not a number", replaced(live, "sig", "SIGKILL"), "sig", "SIGKILL",
			events.ErrArgSyntax, []string{"string(SIGKILL)"}},
		{"a non-numeric string pidfd is not a number", replaced(live, "pidfd", "three"), "pidfd", "three",
			events.ErrArgSyntax, []string{"three"}},
		{"a malformed hex info is not a number", replaced(live, "info", "0xzz"), "info", "0xzz",
			events.ErrArgSyntax, []string{"0xzz"}},
		{"a non-numeric returnValue is not a number", replaced(live, "returnValue", "EPERM"), "returnValue", "EPERM",
			events.ErrArgSyntax, []string{"EPERM"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sendSignalEvent(tt.args...)

			got, err := events.ParseSendSignal(&ev)

			require.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, events.SendSignal{}, got, "a failed parse returns the zero value")
			var argErr *events.ArgError
			require.True(t, errors.As(err, &argErr), "error is an *ArgError: %T", err)
			assert.Equal(t, events.EventPidfdSendSignal, argErr.Event)
			assert.Equal(t, tt.arg, argErr.Arg)
			assert.Equal(t, tt.value, argErr.Value)
			msg := err.Error()
			assert.Contains(t, msg, events.EventPidfdSendSignal, "message names the event")
			assert.Contains(t, msg, "argument "+tt.arg, "message names the argument")
			assert.Contains(t, msg, tt.wantErr.Error(), "message gives the cause")
			for _, s := range tt.wantInMsg {
				assert.Contains(t, msg, s, "message shows the value")
			}
		})
	}
}

func TestSendSignalPredicates(t *testing.T) {
	tests := []struct {
		name        string
		call        events.SendSignal
		targetsSelf bool
		delivered   bool
	}{
		{"a successful SIGKILL through a real fd is delivered", events.SendSignal{PidFD: 3, Signal: events.SIGKILL}, false, true},
		{"a successful probe delivers nothing", events.SendSignal{PidFD: 3, Signal: 0}, false, false},
		{"a refused SIGKILL is not delivered", events.SendSignal{PidFD: 3, Signal: events.SIGKILL, Result: -1}, false, false},
		{"PIDFD_SELF_THREAD targets the caller", events.SendSignal{PidFD: events.PIDFD_SELF_THREAD, Signal: events.SIGUSR1}, true, true},
		{"PIDFD_SELF_THREAD_GROUP targets the caller", events.SendSignal{PidFD: events.PIDFD_SELF_THREAD_GROUP}, true, false},
		{"an invalid pidfd does not target the caller", events.SendSignal{PidFD: -5, Result: -9}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.targetsSelf, tt.call.TargetsSelf(), "TargetsSelf")
			assert.Equal(t, tt.delivered, tt.call.Delivered(), "Delivered")
		})
	}
}

func TestArgumentNamesAreTraceesNames(t *testing.T) {
	assert.Equal(t, "pidfd", events.ArgPidFD)
	assert.Equal(t, "sig", events.ArgSig)
	assert.Equal(t, "info", events.ArgInfo)
	assert.Equal(t, "flags", events.ArgFlags)
	assert.Equal(t, "pidfd_send_signal", events.EventPidfdSendSignal)
}
