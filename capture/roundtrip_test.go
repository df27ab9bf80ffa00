package capture

import (
	"math"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func arg(name, typ string, v any) trace.Argument {
	return trace.Argument{ArgMeta: trace.ArgMeta{Name: name, Type: typ}, Value: v}
}

func withArgs(ev trace.Event, args ...trace.Argument) trace.Event {
	ev.Args = args
	ev.ArgsNum = len(args)
	return ev
}

// protoContext is an event context the proto format can hold in full.
var protoContext = trace.Event{
	Timestamp:           1795741220988728032,
	ThreadStartTime:     1795741220785286204,
	ProcessID:           7,
	ThreadID:            8,
	ParentProcessID:     1,
	HostProcessID:       19483,
	HostThreadID:        19484,
	HostParentProcessID: 19447,
	UserID:              65534,
	ProcessName:         "pidfd-trigger",
	Executable:          trace.File{Path: "/usr/local/bin/pidfd-trigger"},
	ContainerID:         "0123456789ab",
	Container:           trace.Container{ID: "0123456789ab", Name: "web", ImageName: "nginx:1.27", ImageDigest: "nginx@sha256:abc"},
	Kubernetes:          trace.Kubernetes{PodName: "web-0", PodNamespace: "prod", PodUID: "8f1c"},
	EventID:             336,
	EventName:           "pidfd_send_signal",
	MatchedPolicies:     []string{"default", "pidfd"},
	Syscall:             "pidfd_send_signal",
	StackAddresses:      []uint64{0x401000, math.MaxUint64},
	ContextFlags:        trace.ContextFlags{ContainerStarted: true, IsCompat: true},
	ThreadEntityId:      4079304933,
	ProcessEntityId:     4079304934,
	ParentEntityId:      311140965,
}

func TestProtoRoundTripKeepsEvents(t *testing.T) {
	tests := []struct {
		name string
		ev   trace.Event
	}{
		{
			"a send-signal call as the main branch reports it",
			func() trace.Event {
				ev := withArgs(protoContext,
					arg("pidfd", "int32", int32(3)), arg("sig", "int32", int32(10)),
					arg("info", "trace.Pointer", trace.Pointer(140735183757104)),
					arg("flags", "uint32", uint32(4)), arg("returnValue", "int64", int64(-3)))
				ev.ReturnValue = -3
				return ev
			}(),
		},
		{
			"every value kind",
			withArgs(trace.Event{Timestamp: 1, EventID: 1, EventName: "kinds"},
				arg("i32", "int32", int32(math.MinInt32)),
				arg("u32", "uint32", uint32(math.MaxUint32)),
				arg("i64", "int64", int64(math.MinInt64)),
				arg("u64", "uint64", uint64(math.MaxUint64)),
				arg("ptr", "trace.Pointer", trace.Pointer(math.MaxUint64)),
				arg("str", "string", "quote\" backslash\\ newline\n tab\t é ☃ <&>"),
				arg("empty", "string", ""),
				arg("bytes", "[]byte", []byte{0, 1, 2, 0xfe, 0xff}),
				arg("yes", "bool", true),
				arg("no", "bool", false),
				arg("argv", "[]string", []string{"kill", "-9", ""}),
				arg("noargv", "[]string", []string{}),
				arg("pipefd", "[2]int32", [2]int32{3, -4}),
				arg("ints", "[]int32", []int32{1, 2, 3}),
				arg("u64s", "[]uint64", []uint64{0, math.MaxUint64}),
				arg("ts", "float64", 1.25),
				arg("inet", "SockAddr", map[string]string{"sa_family": "AF_INET", "sin_addr": "127.0.0.1", "sin_port": "80"}),
				arg("inet6", "SockAddr", map[string]string{"sa_family": "AF_INET6", "sin6_addr": "::1", "sin6_port": "443", "sin6_flowinfo": "1", "sin6_scopeid": "2"}),
				arg("unix", "SockAddr", map[string]string{"sa_family": "AF_UNIX", "sun_path": "/run/a.sock"}),
				arg("unspec", "SockAddr", map[string]string{"sa_family": "AF_UNSPEC"}),
				arg("cred", "trace.SlimCred", trace.SlimCred{
					Uid: 1, Gid: 2, Suid: 3, Sgid: 4, Euid: 5, Egid: 6, Fsuid: 7, Fsgid: 8,
					UserNamespace: 4026531837, SecureBits: 9,
					CapInheritable: 1 << 9, CapPermitted: 1<<0 | 1<<1 | 1<<40, CapEffective: 1 << 63,
					CapBounding: math.MaxUint64, CapAmbient: 0,
				}),
				arg("data", "map[string]interface{}", map[string]any{"n": 1.5, "s": "x", "list": []any{true, nil}}),
				arg("nothing", "", nil),
			),
		},
		{"an event without context or arguments", trace.Event{EventName: "hooked_syscall"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, err := EncodeProto(&tt.ev)
			require.NoError(t, err)
			f, err := DetectFormat(line)
			require.NoError(t, err)
			assert.Equal(t, FormatProto, f)
			var got trace.Event
			require.NoError(t, DecodeProto(line, &got), "%s", line)
			assert.Equal(t, tt.ev, got)
		})
	}
}

func TestLegacyRoundTripKeepsEvents(t *testing.T) {
	full := protoContext
	full.ProcessorID = 3
	full.CgroupID = 12345
	full.MountNS = 4026531832
	full.PIDNS = 4026531836
	full.HostName = "vm"
	full.EventID = 424
	full.ReturnValue = -22
	full.Kubernetes.PodSandbox = true
	full.Metadata = &trace.Metadata{Version: "1", Description: "d", Tags: []string{"t"}, Properties: map[string]any{"Category": "x"}}
	tests := []struct {
		name string
		ev   trace.Event
	}{
		{
			"a send-signal call as v0.24.1 reports it",
			withArgs(full,
				arg("pidfd", "int32", int32(-10001)), arg("sig", "int32", int32(0)),
				arg("info", "trace.Pointer", trace.Pointer(0)), arg("flags", "uint32", uint32(8))),
		},
		{
			"every type the legacy decoder restores",
			withArgs(trace.Event{EventID: 1, EventName: "kinds"},
				arg("i32", "int32", int32(math.MaxInt32)),
				arg("u32", "uint32", uint32(math.MaxUint32)),
				arg("i64", "int64", int64(math.MinInt64)),
				arg("u64", "uint64", uint64(math.MaxUint64)),
				arg("ptr", "trace.Pointer", trace.Pointer(math.MaxUint64)),
				arg("i8", "int8", int8(-8)),
				arg("u8", "uint8", uint8(8)),
				arg("u16", "uint16", uint16(16)),
				arg("str", "string", "quote\" <&> é"),
				arg("yes", "bool", true),
				arg("argv", "[]string", []string{"a", "b"}),
				arg("bytes", "[]byte", []byte{0, 0xff}),
				arg("pipefd", "[2]int32", [2]int32{3, 4}),
				arg("u64s", "[]uint64", []uint64{1, math.MaxUint64}),
				arg("ts", "float64", 0.5),
				arg("addr", "SockAddr", map[string]string{"sa_family": "AF_INET", "sin_port": "80", "sin_addr": "1.2.3.4"}),
				arg("cred", "trace.SlimCred", trace.SlimCred{Uid: 1, Euid: math.MaxUint32, CapEffective: math.MaxUint64, CapAmbient: 1 << 5}),
				arg("old_cred", "slim_cred_t", trace.SlimCred{Gid: 7}),
				arg("nothing", "int32", nil),
			),
		},
		{
			"a main-branch event with its returnValue argument",
			withArgs(trace.Event{EventName: "pidfd_open", ReturnValue: 3}, arg("returnValue", "int64", int64(3))),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, err := EncodeLegacy(&tt.ev)
			require.NoError(t, err)
			f, err := DetectFormat(line)
			require.NoError(t, err)
			assert.Equal(t, FormatLegacy, f)
			var got trace.Event
			require.NoError(t, DecodeLegacy(line, &got), "%s", line)
			assert.Equal(t, tt.ev, got)
		})
	}
}

func TestLegacySampleEventsConvertToTheProtoShape(t *testing.T) {
	for i, line := range sampleLines(t, legacySample) {
		var legacy, converted trace.Event
		require.NoError(t, DecodeLegacy(line, &legacy))
		out, err := EncodeProto(&legacy)
		require.NoError(t, err)
		require.NoError(t, DecodeProto(out, &converted))

		require.Len(t, converted.Args, len(legacy.Args)+1, "line %d gains the returnValue argument", i+1)
		assert.Equal(t, legacy.Args, converted.Args[:len(legacy.Args)], "line %d", i+1)
		assert.Equal(t, arg("returnValue", "int64", int64(legacy.ReturnValue)), converted.Args[len(legacy.Args)])
		assert.Equal(t, legacy.ReturnValue, converted.ReturnValue)
		assert.Equal(t, legacy.HostProcessID, converted.HostProcessID)
		assert.Equal(t, legacy.Timestamp, converted.Timestamp)
	}
}
