package events_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
)

// numberShapes lists a value of 42 in every shape Tracee or a JSON decoder
// can deliver; each getter must read all of them as 42.
var numberShapes = []struct {
	name  string
	value any
}{
	{"an int32 from a plugin", int32(42)},
	{"a uint32 from a plugin", uint32(42)},
	{"an int64 from a plugin", int64(42)},
	{"a uint64 from a plugin", uint64(42)},
	{"an int", int(42)},
	{"a uint", uint(42)},
	{"an int8", int8(42)},
	{"an int16", int16(42)},
	{"a uint8", uint8(42)},
	{"a uint16", uint16(42)},
	{"a uintptr", uintptr(42)},
	{"a trace.Pointer", trace.Pointer(42)},
	{"a float64 from encoding/json", float64(42)},
	{"a float32", float32(42)},
	{"a json.Number from a UseNumber decoder", json.Number("42")},
	{"a json.Number in exponent notation", json.Number("4.2e1")},
	{"a json.Number with a zero fraction", json.Number("42.0")},
	{"a decimal string from protobuf-style JSON", "42"},
	{"a hex string", "0x2a"},
}

func TestArgGettersReadEveryNumberShape(t *testing.T) {
	for _, shape := range numberShapes {
		t.Run("reads "+shape.name, func(t *testing.T) {
			ev := sendSignalEvent(arg("n", shape.value))

			i64, err := events.Int64Arg(&ev, "n")
			require.NoError(t, err, "Int64Arg")
			assert.Equal(t, int64(42), i64, "Int64Arg")

			i32, err := events.Int32Arg(&ev, "n")
			require.NoError(t, err, "Int32Arg")
			assert.Equal(t, int32(42), i32, "Int32Arg")

			u64, err := events.Uint64Arg(&ev, "n")
			require.NoError(t, err, "Uint64Arg")
			assert.Equal(t, uint64(42), u64, "Uint64Arg")

			u32, err := events.Uint32Arg(&ev, "n")
			require.NoError(t, err, "Uint32Arg")
			assert.Equal(t, uint32(42), u32, "Uint32Arg")
		})
	}
}

func TestInt64Arg(t *testing.T) {
	tests := []struct {
		name    string
		value   any
		want    int64
		wantErr error
	}{
		{"a negative int32 stays negative", int32(-22), -22, nil},
		{"a negative float64 stays negative", float64(-22), -22, nil},
		{"a negative string stays negative", "-22", -22, nil},
		{"the largest int64 fits", int64(math.MaxInt64), math.MaxInt64, nil},
		{"the smallest int64 fits", int64(math.MinInt64), math.MinInt64, nil},
		{"the smallest int64 as a string fits", "-9223372036854775808", math.MinInt64, nil},
		{"a uint64 above the int64 range is out of range", uint64(math.MaxInt64 + 1), 0, events.ErrArgRange},
		{"a trace.Pointer above the int64 range is out of range", trace.Pointer(math.MaxUint64), 0, events.ErrArgRange},
		{"a float64 of 2^63 is out of range", float64(1 << 63), 0, events.ErrArgRange},
		{"an infinite float64 is out of range", math.Inf(1), 0, events.ErrArgRange},
		{"a NaN is not a number of the argument's type", math.NaN(), 0, events.ErrArgType},
		{"a non-integral float64 is not an integer", 9.5, 0, events.ErrArgType},
		{"a non-integral json.Number is not an integer", json.Number("9.5"), 0, events.ErrArgType},
		{"a decimal string above the int64 range is out of range", "9223372036854775808", 0, events.ErrArgRange},
		{"a word is not a number", "SIGKILL", 0, events.ErrArgSyntax},
		{"an empty string is not a number", "", 0, events.ErrArgSyntax},
		{"a string with spaces is not a number", " 9", 0, events.ErrArgSyntax},
		{"a decimal string with a leading zero is decimal, not octal", "010", 10, nil},
		{"a negative hex string is read", "-0x10", -16, nil},
		{"an upper-case hex prefix is read", "0X1F", 31, nil},
		{"a binary literal is not a decimal number", "0b101", 0, events.ErrArgSyntax},
		{"an octal literal is not a decimal number", "0o17", 0, events.ErrArgSyntax},
		{"digit separators are not a decimal number", "1_000", 0, events.ErrArgSyntax},
		{"a bare hex prefix is not a number", "0x", 0, events.ErrArgSyntax},
		{"a malformed json.Number is not a number", json.Number("nine"), 0, events.ErrArgSyntax},
		{"a json.Number beyond float64 is out of range", json.Number("1e400"), 0, events.ErrArgRange},
		{"a json.Number in exponent notation beyond int64 is out of range", json.Number("1e19"), 0, events.ErrArgRange},
		{"a bool has the wrong type", true, 0, events.ErrArgType},
		{"a byte slice has the wrong type", []byte("9"), 0, events.ErrArgType},
		{"a map has the wrong type", map[string]any{"v": 9}, 0, events.ErrArgType},
		{"a nil value has the wrong type", nil, 0, events.ErrArgType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sendSignalEvent(arg("n", tt.value))
			got, err := events.Int64Arg(&ev, "n")
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestInt32Arg(t *testing.T) {
	tests := []struct {
		name    string
		value   any
		want    int32
		wantErr error
	}{
		{"the largest int32 fits", int64(math.MaxInt32), math.MaxInt32, nil},
		{"the smallest int32 fits", int64(math.MinInt32), math.MinInt32, nil},
		{"PIDFD_SELF_THREAD_GROUP as a float64 fits", float64(-10001), -10001, nil},
		{"one past the largest int32 is out of range", int64(math.MaxInt32 + 1), 0, events.ErrArgRange},
		{"one below the smallest int32 is out of range", int64(math.MinInt32 - 1), 0, events.ErrArgRange},
		{"a uint32 above the int32 range is out of range", uint32(math.MaxUint32), 0, events.ErrArgRange},
		{"1<<40 as a string is out of range", "1099511627776", 0, events.ErrArgRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sendSignalEvent(arg("n", tt.value))
			got, err := events.Int32Arg(&ev, "n")
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestUint64Arg(t *testing.T) {
	tests := []struct {
		name    string
		value   any
		want    uint64
		wantErr error
	}{
		{"the highest trace.Pointer fits", trace.Pointer(math.MaxUint64), math.MaxUint64, nil},
		{"the highest uint64 as a string fits", "18446744073709551615", math.MaxUint64, nil},
		{"a hex user-space address string fits", "0x7ffeddf43ec0", 0x7ffeddf43ec0, nil},
		{"a decimal address string fits", "140732622192320", 0x7ffeddf43ec0, nil},
		{"a float64 address fits", float64(140732622192320), 0x7ffeddf43ec0, nil},
		{"a float64 above 2^63 fits", float64(1 << 63), 1 << 63, nil},
		{"a negative int32 is out of range", int32(-1), 0, events.ErrArgRange},
		{"a negative float64 is out of range", float64(-1), 0, events.ErrArgRange},
		{"a negative string is out of range", "-1", 0, events.ErrArgRange},
		{"a negative json.Number is out of range", json.Number("-1"), 0, events.ErrArgRange},
		{"a negative json.Number in exponent notation is out of range", json.Number("-1e2"), 0, events.ErrArgRange},
		{"a negative string below the int64 range is out of range", "-9223372036854775809", 0, events.ErrArgRange},
		{"a non-integral json.Number is not an integer", json.Number("-1.5"), 0, events.ErrArgType},
		{"a json.Number of 2^64 in exponent notation is out of range", json.Number("1.8446744073709551616e19"), 0, events.ErrArgRange},
		{"a float64 of 2^64 is out of range", float64(1 << 64), 0, events.ErrArgRange},
		{"a string above the uint64 range is out of range", "18446744073709551616", 0, events.ErrArgRange},
		{"a non-integral float64 is not an integer", 0.5, 0, events.ErrArgType},
		{"a negative non-integral float64 is not an integer", -0.5, 0, events.ErrArgType},
		{"a NaN is not an integer", math.NaN(), 0, events.ErrArgType},
		{"a word is not a number", "NULL", 0, events.ErrArgSyntax},
		{"a zero-padded decimal address is decimal, not octal", "0140732622192320", 0x7ffeddf43ec0, nil},
		{"a binary literal address is not a number", "0b1", 0, events.ErrArgSyntax},
		{"a bool has the wrong type", false, 0, events.ErrArgType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sendSignalEvent(arg("n", tt.value))
			got, err := events.Uint64Arg(&ev, "n")
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestUint32Arg(t *testing.T) {
	tests := []struct {
		name    string
		value   any
		want    uint32
		wantErr error
	}{
		{"the highest uint32 fits", uint32(math.MaxUint32), math.MaxUint32, nil},
		{"the top flag bit as a float64 fits", float64(0x80000000), 0x80000000, nil},
		{"-1 is out of range", int32(-1), 0, events.ErrArgRange},
		{"1<<32 is out of range", int64(1 << 32), 0, events.ErrArgRange},
		{"1<<33 as a string is out of range", "8589934592", 0, events.ErrArgRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sendSignalEvent(arg("n", tt.value))
			got, err := events.Uint32Arg(&ev, "n")
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestArgGettersReportMissingArguments(t *testing.T) {
	getters := []struct {
		name string
		get  func(*trace.Event, string) error
	}{
		{"Int64Arg", func(ev *trace.Event, n string) error { _, err := events.Int64Arg(ev, n); return err }},
		{"Int32Arg", func(ev *trace.Event, n string) error { _, err := events.Int32Arg(ev, n); return err }},
		{"Uint64Arg", func(ev *trace.Event, n string) error { _, err := events.Uint64Arg(ev, n); return err }},
		{"Uint32Arg", func(ev *trace.Event, n string) error { _, err := events.Uint32Arg(ev, n); return err }},
		{"StringArg", func(ev *trace.Event, n string) error { _, err := events.StringArg(ev, n); return err }},
	}
	for _, g := range getters {
		t.Run(g.name+" reports a missing argument by event and name", func(t *testing.T) {
			ev := sendSignalEvent(arg("other", int32(1)))
			err := g.get(&ev, "wanted")
			require.ErrorIs(t, err, events.ErrMissingArg)
			var argErr *events.ArgError
			require.True(t, errors.As(err, &argErr))
			assert.Equal(t, events.EventPidfdSendSignal, argErr.Event)
			assert.Equal(t, "wanted", argErr.Arg)
			assert.Nil(t, argErr.Value)
		})
	}
}

func TestStringArg(t *testing.T) {
	tests := []struct {
		name    string
		value   any
		want    string
		wantErr error
	}{
		{"a string is returned as is", "/usr/bin/kill", "/usr/bin/kill", nil},
		{"an empty string is returned as is", "", "", nil},
		{"a number is not a string", int32(3), "", events.ErrArgType},
		{"a byte slice is not a string", []byte("x"), "", events.ErrArgType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sendSignalEvent(arg("s", tt.value))
			got, err := events.StringArg(&ev, "s")
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestArg(t *testing.T) {
	ev := sendSignalEvent(arg("a", int32(1)), arg("b", nil), arg("a", int32(2)))

	v, ok := events.Arg(&ev, "a")
	assert.True(t, ok, "an argument present twice is found")
	assert.Equal(t, int32(1), v, "the first of two same-named arguments wins")

	v, ok = events.Arg(&ev, "b")
	assert.True(t, ok, "an argument with a nil value is present")
	assert.Nil(t, v)

	_, ok = events.Arg(&ev, "c")
	assert.False(t, ok, "an absent argument is reported absent")
}

func TestReturnValue(t *testing.T) {
	tests := []struct {
		name        string
		eventReturn int
		args        []trace.Argument
		want        events.Result
		wantErr     error
	}{
		{"without a returnValue argument the event field is used", -22, nil, -22, nil},
		{"the trailing int64 returnValue wins over the event field", 0, []trace.Argument{arg("returnValue", int64(-3))}, -3, nil},
		{"a returnValue argument of 0 wins over a failing event field", -1, []trace.Argument{arg("returnValue", int64(0))}, 0, nil},
		{"a protobuf-style string returnValue is read", 0, []trace.Argument{arg("returnValue", "-22")}, -22, nil},
		{"a float64 returnValue is read", 0, []trace.Argument{arg("returnValue", float64(-1))}, -1, nil},
		{"a malformed returnValue is an error", 0, []trace.Argument{arg("returnValue", "oops")}, 0, events.ErrArgSyntax},
		{"a returnValue of the wrong type is an error", 0, []trace.Argument{arg("returnValue", true)}, 0, events.ErrArgType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sendSignalEvent(tt.args...)
			ev.ReturnValue = tt.eventReturn
			got, err := events.ReturnValue(&ev)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReturnValueFieldIsTraceesName(t *testing.T) {
	assert.Equal(t, "returnValue", events.ReturnValueField)
}
