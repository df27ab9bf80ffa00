package capture

import (
	"errors"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// legacyWithArg makes a minimal legacy line around one argument.
func legacyWithArg(arg string) []byte {
	return []byte(`{"timestamp":1,"eventId":"424","eventName":"test","argsNum":1,"returnValue":0,"args":[` + arg + `]}`)
}

func TestDecodeLegacyGivesEachTypeItsGoValue(t *testing.T) {
	tests := []struct {
		name     string
		arg      string
		wantType string
		want     any
	}{
		{"int32 is an int32", `{"name":"a","type":"int32","value":-3}`, "int32", int32(-3)},
		{"uint32 is a uint32", `{"name":"a","type":"uint32","value":4}`, "uint32", uint32(4)},
		{"int64 is an int64", `{"name":"a","type":"int64","value":-22}`, "int64", int64(-22)},
		{"uint64 is a uint64", `{"name":"a","type":"uint64","value":18446744073709551615}`, "uint64", uint64(18446744073709551615)},
		{"trace.Pointer is a trace.Pointer", `{"name":"a","type":"trace.Pointer","value":140732622192320}`, "trace.Pointer", trace.Pointer(140732622192320)},
		{"an old C pointer type becomes a trace.Pointer", `{"name":"a","type":"void*","value":16}`, "trace.Pointer", trace.Pointer(16)},
		{"a C string stays a string", `{"name":"a","type":"const char*","value":"/tmp"}`, "const char*", "/tmp"},
		{"string is a string", `{"name":"a","type":"string","value":"/tmp"}`, "string", "/tmp"},
		{"bool is a bool", `{"name":"a","type":"bool","value":true}`, "bool", true},
		{"[]string is a []string", `{"name":"a","type":"[]string","value":["ls","-l"]}`, "[]string", []string{"ls", "-l"}},
		{"[]byte is decoded from base64", `{"name":"a","type":"[]byte","value":"AQID"}`, "[]byte", []byte{1, 2, 3}},
		{"[2]int32 is a [2]int32", `{"name":"a","type":"[2]int32","value":[3,4]}`, "[2]int32", [2]int32{3, 4}},
		{"[]uint64 is a []uint64", `{"name":"a","type":"[]uint64","value":[1,2]}`, "[]uint64", []uint64{1, 2}},
		{"float64 is a float64", `{"name":"a","type":"float64","value":1.5}`, "float64", 1.5},
		{"a SockAddr is a map of strings", `{"name":"a","type":"SockAddr","value":{"sa_family":"AF_UNIX","sun_path":"/x"}}`, "SockAddr", map[string]string{"sa_family": "AF_UNIX", "sun_path": "/x"}},
		{"a SlimCred is a trace.SlimCred", `{"name":"a","type":"slim_cred_t","value":{"Uid":1000,"CapEffective":32}}`, "slim_cred_t", trace.SlimCred{Uid: 1000, CapEffective: 32}},
		{"a null value stays nil", `{"name":"a","type":"int32","value":null}`, "int32", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev trace.Event
			require.NoError(t, DecodeLegacy(legacyWithArg(tt.arg), &ev))
			require.Len(t, ev.Args, 1)
			assert.Equal(t, tt.wantType, ev.Args[0].Type)
			assert.Equal(t, tt.want, ev.Args[0].Value)
			assert.Equal(t, 424, ev.EventID)
		})
	}
}

func TestDecodeLegacyRejectsBadArguments(t *testing.T) {
	tests := []struct {
		name      string
		line      []byte
		wantErr   error
		wantField string
	}{
		{"a string where int32 is expected", legacyWithArg(`{"name":"pidfd","type":"int32","value":"3"}`), ErrBadField, "args.pidfd.value"},
		{"an int32 out of range", legacyWithArg(`{"name":"pidfd","type":"int32","value":3000000000}`), ErrBadField, "args.pidfd.value"},
		{"a negative uint32", legacyWithArg(`{"name":"flags","type":"uint32","value":-1}`), ErrBadField, "args.flags.value"},
		{"a number where string is expected", legacyWithArg(`{"name":"path","type":"string","value":5}`), ErrBadField, "args.path.value"},
		{"bytes that are not base64", legacyWithArg(`{"name":"buf","type":"[]byte","value":"!!!"}`), ErrBadField, "args.buf.value"},
		{"a [2]int32 of three", legacyWithArg(`{"name":"fds","type":"[2]int32","value":[1,2,3]}`), ErrBadField, "args.fds.value"},
		{"a SockAddr with a number inside", legacyWithArg(`{"name":"addr","type":"SockAddr","value":{"sin_port":80}}`), ErrBadField, "args.addr.value"},
		{"a SlimCred with a uid beyond 32 bits", legacyWithArg(`{"name":"cred","type":"trace.SlimCred","value":{"Uid":4294967296}}`), ErrBadField, "args.cred.value"},
		{
			"an HTTP header that is not a string, on which trace's own decoder panics",
			legacyWithArg(`{"name":"http","type":"trace.ProtoHTTP","value":{"direction":"","method":"","protocol":"","host":"","uri_path":"","status":"","status_code":200,"content_length":0,"headers":{"Accept":[1]}}}`),
			ErrBadField, "args.http.value",
		},
		{"an argument that is not an object", legacyWithArg(`5`), ErrBadField, "args[0]"},
		{"an eventId that is a number", []byte(`{"eventId":424,"eventName":"test"}`), ErrBadField, "eventId"},
		{"a pid that is a string", []byte(`{"eventName":"test","processId":"1"}`), ErrBadField, "processId"},
		{"a truncated line", []byte(`{"eventName":"test","args":[{"name":"a"`), ErrNotJSON, ""},
		{"a JSON null", []byte(`null`), ErrNotJSON, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := trace.Event{EventName: "stale"}
			err := DecodeLegacy(tt.line, &ev)
			require.ErrorIs(t, err, tt.wantErr)
			var lerr *LineError
			require.True(t, errors.As(err, &lerr))
			assert.Equal(t, FormatLegacy, lerr.Format)
			assert.Equal(t, tt.wantField, lerr.Field)
			assert.Equal(t, trace.Event{}, ev, "ev is zeroed on error")
		})
	}
}

func TestDecodeLegacySetsArgsNumFromTheArguments(t *testing.T) {
	line := []byte(`{"eventName":"e","argsNum":7,"args":[{"name":"a","type":"int32","value":1}]}`)
	var ev trace.Event
	require.NoError(t, DecodeLegacy(line, &ev))
	assert.Equal(t, 1, ev.ArgsNum)
}

func TestDecodeLegacyKeepsNumbersOfTypesTraceeCannotRead(t *testing.T) {
	// Tracee v0.24.1 prints sched_process_fork's start times as numbers
	// declared "time.Time", which its own decoder refuses.
	tests := []struct {
		name string
		arg  string
		want any
	}{
		{"nanoseconds declared time.Time stay a uint64", `{"name":"parent_start_time","type":"time.Time","value":1795741955060820351}`, uint64(1795741955060820351)},
		{"a negative number of an unknown type becomes an int64", `{"name":"x","type":"int","value":-5}`, int64(-5)},
		{"a fraction of an unknown type becomes a float64", `{"name":"x","type":"double","value":2.5}`, 2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, decode := range []func([]byte, *trace.Event) error{DecodeLegacy, decodeLegacyStd} {
				var ev trace.Event
				require.NoError(t, decode(legacyWithArg(tt.arg), &ev))
				require.Len(t, ev.Args, 1)
				assert.Equal(t, tt.want, ev.Args[0].Value)
			}
		})
	}
}
