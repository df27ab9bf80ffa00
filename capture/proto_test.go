package capture

import (
	"errors"
	"math"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// protoWithData makes a minimal proto line around one data entry.
func protoWithData(entry string) []byte {
	return []byte(`{"timestamp":"2026-11-27T01:00:20Z","id":1,"name":"test","data":[` + entry + `]}`)
}

func TestDecodeProtoGivesEachValueKindTheGoTypeTraceeDelivers(t *testing.T) {
	tests := []struct {
		name     string
		entry    string
		wantType string
		want     any
	}{
		{"int32 is an int32", `{"name":"a","int32":-5}`, "int32", int32(-5)},
		{"a quoted int32 is accepted as protojson does", `{"name":"a","int32":"7"}`, "int32", int32(7)},
		{"u_int32 is a uint32", `{"name":"a","u_int32":4294967295}`, "uint32", uint32(math.MaxUint32)},
		{"int64 is an int64 from a string", `{"name":"a","int64":"-9223372036854775808"}`, "int64", int64(math.MinInt64)},
		{"int64 is an int64 from a number", `{"name":"a","int64":-22}`, "int64", int64(-22)},
		{"u_int64 is a uint64", `{"name":"a","u_int64":"18446744073709551615"}`, "uint64", uint64(math.MaxUint64)},
		{"pointer is a trace.Pointer", `{"name":"a","pointer":"140735183757104"}`, "trace.Pointer", trace.Pointer(140735183757104)},
		{"str is a string", `{"name":"a","str":"/etc/passwd"}`, "string", "/etc/passwd"},
		{"str with escapes is unescaped", `{"name":"a","str":"a\"b\\c\u00e9\n"}`, "string", "a\"b\\cé\n"},
		{"bytes are base64-decoded", `{"name":"a","bytes":"AQID"}`, "[]byte", []byte{1, 2, 3}},
		{"unpadded URL-safe base64 is accepted", `{"name":"a","bytes":"-_8"}`, "[]byte", []byte{0xfb, 0xff}},
		{"bool is a bool", `{"name":"a","bool":true}`, "bool", true},
		{"str_array is a []string", `{"name":"a","str_array":{"value":["ls","-l"]}}`, "[]string", []string{"ls", "-l"}},
		{"an empty str_array is an empty []string", `{"name":"a","str_array":{}}`, "[]string", []string{}},
		{"a two-element int32_array is a [2]int32", `{"name":"a","int32_array":{"value":[3,4]}}`, "[2]int32", [2]int32{3, 4}},
		{"another int32_array is a []int32", `{"name":"a","int32_array":{"value":[1,2,3]}}`, "[]int32", []int32{1, 2, 3}},
		{"u_int64_array is a []uint64", `{"name":"a","u_int64_array":{"value":["1","18446744073709551615"]}}`, "[]uint64", []uint64{1, math.MaxUint64}},
		{"timespec is a float64 of seconds", `{"name":"a","timespec":{"value":1.5}}`, "float64", 1.5},
		{"a timespec written as a string is accepted", `{"name":"a","timespec":{"value":"Infinity"}}`, "float64", math.Inf(1)},
		{
			"an IPv4 sockaddr is Tracee's map",
			`{"name":"a","sockaddr":{"sa_family":"AF_INET","sin_addr":"10.0.0.1","sin_port":443}}`,
			"SockAddr", map[string]string{"sa_family": "AF_INET", "sin_addr": "10.0.0.1", "sin_port": "443"},
		},
		{
			"a unix sockaddr with a numeric family is Tracee's map",
			`{"name":"a","sockaddr":{"sa_family":1,"sun_path":"/run/x.sock"}}`,
			"SockAddr", map[string]string{"sa_family": "AF_UNIX", "sun_path": "/run/x.sock"},
		},
		{
			"credentials are a trace.SlimCred with capability masks",
			`{"name":"a","credentials":{"uid":1000,"euid":0,"user_namespace":4026531837,"cap_effective":["CAP_KILL",21,"DAC_OVERRIDE"]}}`,
			"trace.SlimCred", trace.SlimCred{Uid: 1000, UserNamespace: 4026531837, CapEffective: 1<<5 | 1<<21 | 1<<1},
		},
		{"struct is a map", `{"name":"a","struct":{"k":"v","n":1}}`, "map[string]interface{}", map[string]any{"k": "v", "n": 1.0}},
		{"an entry without a value is a nil argument", `{"name":"a"}`, "", nil},
		{"the name may come after the value", `{"int32":3,"name":"a"}`, "int32", int32(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev trace.Event
			require.NoError(t, DecodeProto(protoWithData(tt.entry), &ev))
			require.Len(t, ev.Args, 1)
			assert.Equal(t, "a", ev.Args[0].Name)
			assert.Equal(t, tt.wantType, ev.Args[0].Type)
			assert.Equal(t, tt.want, ev.Args[0].Value)
			assert.Equal(t, 1, ev.ArgsNum)
		})
	}
}

func TestDecodeProtoRejectsBadDataEntries(t *testing.T) {
	tests := []struct {
		name      string
		entry     string
		wantErr   error
		wantField string
	}{
		{"a string where int32 is expected", `{"name":"pidfd","int32":"abc"}`, ErrBadField, "data.pidfd.int32"},
		{"an int32 out of range", `{"name":"pidfd","int32":3000000000}`, ErrBadField, "data.pidfd.int32"},
		{"a negative u_int32", `{"name":"flags","u_int32":-1}`, ErrBadField, "data.flags.u_int32"},
		{"a fractional int64", `{"name":"returnValue","int64":"1.5"}`, ErrBadField, "data.returnValue.int64"},
		{"a pointer beyond 64 bits", `{"name":"info","pointer":"18446744073709551616"}`, ErrBadField, "data.info.pointer"},
		{"a number where str is expected", `{"name":"path","str":5}`, ErrBadField, "data.path.str"},
		{"bytes that are not base64", `{"name":"buf","bytes":"!!!"}`, ErrBadField, "data.buf.bytes"},
		{"a bool spelled as a string", `{"name":"ok","bool":"true"}`, ErrBadField, "data.ok.bool"},
		{"a str_array of numbers", `{"name":"argv","str_array":{"value":[1]}}`, ErrBadField, "data.argv.str_array"},
		{"a str_array that is not a message", `{"name":"argv","str_array":["ls"]}`, ErrBadField, "data.argv.str_array"},
		{"an int32_array element out of range", `{"name":"fds","int32_array":{"value":[1,4294967296]}}`, ErrBadField, "data.fds.int32_array"},
		{"an unknown sockaddr family name", `{"name":"addr","sockaddr":{"sa_family":"AF_MARS"}}`, ErrBadField, "data.addr.sockaddr"},
		{"a capability beyond 63", `{"name":"cred","credentials":{"cap_ambient":[64]}}`, ErrBadField, "data.cred.credentials"},
		{"a null value", `{"name":"pidfd","int32":null}`, ErrBadField, "data.pidfd.int32"},
		{"two value kinds in one entry", `{"name":"pidfd","int32":3,"str":"3"}`, ErrBadField, "data.pidfd.int32"},
		{"a name that is not a string", `{"name":3,"int32":3}`, ErrBadField, "data.name"},
		{"an entry that is not an object", `3`, ErrBadField, "data"},
		{"a kind outside the schema", `{"name":"x","int128":"3"}`, ErrUnknownKind, "data.x.int128"},
		{"a network kind this package does not map", `{"name":"x","ipv4":{"version":4}}`, ErrUnsupportedKind, "data.x.ipv4"},
		{"a returnValue that is not an integer", `{"name":"returnValue","str":"ok"}`, ErrBadField, "data.returnValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := trace.Event{EventName: "stale"}
			err := DecodeProto(protoWithData(tt.entry), &ev)
			require.ErrorIs(t, err, tt.wantErr)
			var lerr *LineError
			require.True(t, errors.As(err, &lerr))
			assert.Equal(t, FormatProto, lerr.Format)
			assert.Equal(t, "test", lerr.Event)
			assert.Equal(t, tt.wantField, lerr.Field)
			assert.Equal(t, trace.Event{}, ev, "ev is zeroed on error")
		})
	}
}

func TestDecodeProtoRejectsBadContextFields(t *testing.T) {
	tests := []struct {
		name      string
		line      string
		wantErr   error
		wantField string
	}{
		{"a string pid", `{"name":"e","workload":{"process":{"host_pid":"x"}}}`, ErrBadField, "workload.process.host_pid"},
		{"a negative tid", `{"name":"e","workload":{"process":{"thread":{"tid":-1}}}}`, ErrBadField, "workload.process.thread.tid"},
		{"a timestamp that is not RFC 3339", `{"timestamp":"yesterday","name":"e"}`, ErrBadField, "timestamp"},
		{"a numeric timestamp inside a proto line", `{"id":1,"timestamp":5}`, ErrBadField, "timestamp"},
		{"a thread start time out of range", `{"name":"e","workload":{"process":{"thread":{"start_time":"3000-01-01T00:00:00Z"}}}}`, ErrBadField, "workload.process.thread.start_time"},
		{"a stack address that is not a number", `{"name":"e","workload":{"process":{"thread":{"user_stack_trace":{"addresses":[{"address":"0x10"}]}}}}}`, ErrBadField, "workload.process.thread.user_stack_trace.addresses"},
		{"an event id that is not a number", `{"id":true,"name":"e"}`, ErrBadField, "id"},
		{"data that is not an array", `{"name":"e","data":{}}`, ErrBadField, "data"},
		{"a truncated line", `{"name":"e","data":[{"name":"a","int32":1}`, ErrNotJSON, ""},
		{"a JSON null", `null`, ErrNotJSON, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev trace.Event
			err := DecodeProto([]byte(tt.line), &ev)
			require.ErrorIs(t, err, tt.wantErr)
			var lerr *LineError
			require.True(t, errors.As(err, &lerr))
			assert.Contains(t, lerr.Field, tt.wantField)
		})
	}
}

func TestDecodeProtoMapsTheWholeWorkload(t *testing.T) {
	line := `{"timestamp":"2026-11-27T01:00:20.5Z","id":336,"name":"pidfd_send_signal",` +
		`"policies":{"matched":["p1","p2"]},` +
		`"workload":{"process":{"executable":{"path":"/bin/kill"},"unique_id":11,"host_pid":1000,"pid":10,` +
		`"real_user":{"id":1001},"thread":{"start_time":"2026-11-27T01:00:00Z","name":"kill","unique_id":12,` +
		`"host_tid":1001,"tid":11,"syscall":"pidfd_send_signal","compat":true,` +
		`"user_stack_trace":{"addresses":[{"address":"4096","symbol":"main"},{"address":8192}]}},` +
		`"ancestors":[{"unique_id":13,"host_pid":999,"pid":9},{"unique_id":1,"host_pid":1,"pid":1}]},` +
		`"container":{"id":"abc123","name":"web","image":{"id":"sha256:x","repo_digests":["nginx@sha256:y"],"name":"nginx:1"},"started":true},` +
		`"k8s":{"pod":{"name":"web-0","uid":"uid-1","labels":{"app":"web"}},"namespace":{"name":"prod"}}},` +
		`"data":[{"name":"pidfd","int32":3},{"name":"returnValue","int64":"-1"}],` +
		`"threat":{"name":"ignored"}}`
	var ev trace.Event
	require.NoError(t, DecodeProto([]byte(line), &ev))

	want := trace.Event{
		Timestamp:           1795741220500000000,
		ThreadStartTime:     1795741200000000000,
		ProcessID:           10,
		ThreadID:            11,
		ParentProcessID:     9,
		HostProcessID:       1000,
		HostThreadID:        1001,
		HostParentProcessID: 999,
		UserID:              1001,
		ProcessName:         "kill",
		Executable:          trace.File{Path: "/bin/kill"},
		ContainerID:         "abc123",
		Container:           trace.Container{ID: "abc123", Name: "web", ImageName: "nginx:1", ImageDigest: "nginx@sha256:y"},
		Kubernetes:          trace.Kubernetes{PodName: "web-0", PodNamespace: "prod", PodUID: "uid-1"},
		EventID:             336,
		EventName:           "pidfd_send_signal",
		MatchedPolicies:     []string{"p1", "p2"},
		ArgsNum:             2,
		ReturnValue:         -1,
		Syscall:             "pidfd_send_signal",
		StackAddresses:      []uint64{4096, 8192},
		ContextFlags:        trace.ContextFlags{ContainerStarted: true, IsCompat: true},
		ThreadEntityId:      12,
		ProcessEntityId:     11,
		ParentEntityId:      13,
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pidfd", Type: "int32"}, Value: int32(3)},
			{ArgMeta: trace.ArgMeta{Name: "returnValue", Type: "int64"}, Value: int64(-1)},
		},
	}
	assert.Equal(t, want, ev)
}

func TestDecodeProtoToleratesVariantsOfTheSchema(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		check func(t *testing.T, ev *trace.Event)
	}{
		{
			"an enum-name id leaves EventID zero and keeps the name",
			`{"id":"pidfd_send_signal","name":"pidfd_send_signal"}`,
			func(t *testing.T, ev *trace.Event) {
				assert.Equal(t, 0, ev.EventID)
				assert.Equal(t, "pidfd_send_signal", ev.EventName)
			},
		},
		{
			"a quoted numeric id is a number",
			`{"id":"336","name":"x"}`,
			func(t *testing.T, ev *trace.Event) { assert.Equal(t, 336, ev.EventID) },
		},
		{
			"a timestamp Tracee wrote as \"null\" is zero",
			`{"timestamp":"null","id":1}`,
			func(t *testing.T, ev *trace.Event) { assert.Equal(t, 0, ev.Timestamp) },
		},
		{
			"a container marked is_running has started",
			`{"id":1,"workload":{"container":{"id":"c","is_running":true}}}`,
			func(t *testing.T, ev *trace.Event) { assert.True(t, ev.ContextFlags.ContainerStarted) },
		},
		{
			"unknown top-level and workload keys are ignored",
			`{"id":1,"future":{"x":1},"workload":{"process":{"pid":5,"cgroup":{"id":"7"}}}}`,
			func(t *testing.T, ev *trace.Event) { assert.Equal(t, 5, ev.ProcessID) },
		},
		{
			"a timestamp with an offset is converted to UTC nanoseconds",
			`{"timestamp":"1970-01-01T01:00:00.000000001+01:00","id":1}`,
			func(t *testing.T, ev *trace.Event) { assert.Equal(t, 1, ev.Timestamp) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev trace.Event
			require.NoError(t, DecodeProto([]byte(tt.line), &ev))
			tt.check(t, &ev)
		})
	}
}

func TestEncodeProtoRejectsValuesTheSchemaCannotHold(t *testing.T) {
	tests := []struct {
		name    string
		ev      trace.Event
		wantErr error
	}{
		{"a negative pid", trace.Event{EventName: "e", ProcessID: -1}, ErrBadField},
		{"a pid beyond 32 bits", trace.Event{EventName: "e", HostProcessID: math.MaxUint32 + 1}, ErrBadField},
		{"a Go type without a kind", trace.Event{EventName: "e", Args: []trace.Argument{{ArgMeta: trace.ArgMeta{Name: "f"}, Value: float32(1)}}}, ErrUnsupportedKind},
		{"a sockaddr map with a bad port", trace.Event{EventName: "e", Args: []trace.Argument{{ArgMeta: trace.ArgMeta{Name: "a"}, Value: map[string]string{"sa_family": "AF_INET", "sin_port": "http"}}}}, ErrBadField},
		{"a struct that JSON cannot hold", trace.Event{EventName: "e", Args: []trace.Argument{{ArgMeta: trace.ArgMeta{Name: "s"}, Value: map[string]any{"f": math.NaN()}}}}, ErrBadField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EncodeProto(&tt.ev)
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
}

func TestEncodeProtoAppendsTheReturnValueOfSystemCalls(t *testing.T) {
	tests := []struct {
		name string
		ev   trace.Event
		want string
	}{
		{
			"a system call event gets a trailing returnValue even when it is 0",
			trace.Event{EventName: "close", Syscall: "close", Args: []trace.Argument{{ArgMeta: trace.ArgMeta{Name: "fd"}, Value: int32(3)}}},
			`"data":[{"name":"fd","int32":3},{"name":"returnValue","int64":"0"}]`,
		},
		{
			"any event with a non-zero ReturnValue gets one",
			trace.Event{EventName: "security_file_open", Syscall: "openat", ReturnValue: -13},
			`"data":[{"name":"returnValue","int64":"-13"}]`,
		},
		{
			"an event that already has the argument keeps it where it is",
			trace.Event{EventName: "close", Syscall: "close", ReturnValue: 0, Args: []trace.Argument{{ArgMeta: trace.ArgMeta{Name: "returnValue"}, Value: int64(0)}, {ArgMeta: trace.ArgMeta{Name: "fd"}, Value: int32(3)}}},
			`"data":[{"name":"returnValue","int64":"0"},{"name":"fd","int32":3}]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := EncodeProto(&tt.ev)
			require.NoError(t, err)
			assert.Contains(t, string(out), tt.want)
		})
	}
	t.Run("an event that is not a system call gets none", func(t *testing.T) {
		out, err := EncodeProto(&trace.Event{EventName: "sched_process_exec", Syscall: "execve"})
		require.NoError(t, err)
		assert.NotContains(t, string(out), "returnValue")
	})
}

func TestAppendJSONStringEscapesLikeEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"plain text is unchanged", "pidfd-trigger", `"pidfd-trigger"`},
		{"quotes and backslashes are escaped", `a"b\c`, `"a\"b\\c"`},
		{"control characters are escaped", "a\nb\tc\x01", `"a\nb\tc\u0001"`},
		{"invalid UTF-8 becomes U+FFFD", "a\xffb", `"a\ufffdb"`},
		{"line separators are escaped", "a\u2028b", `"a\u2028b"`},
		{"HTML characters are left alone", "<&>", `"<&>"`},
		{"multi-byte runes are kept", "é☃", `"é☃"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(appendJSONString(nil, tt.in)))
		})
	}
}
