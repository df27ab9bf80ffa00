package capture

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDetectFormat(t *testing.T) {
	legacyLine := sampleLines(t, legacySample)[0]
	protoLine := sampleLines(t, protoSample)[0]
	tests := []struct {
		name    string
		line    string
		want    Format
		wantErr error
	}{
		{"a v0.24.1 line is legacy", string(legacyLine), FormatLegacy, nil},
		{"a main-branch line is proto", string(protoLine), FormatProto, nil},
		{"a numeric timestamp means legacy", `{"timestamp":1}`, FormatLegacy, nil},
		{"a negative numeric timestamp means legacy", `{"timestamp":-1}`, FormatLegacy, nil},
		{"a string timestamp means proto", `{"timestamp":"2026-01-01T00:00:00Z"}`, FormatProto, nil},
		{"an eventId key means legacy", `{"x":1,"eventId":"424"}`, FormatLegacy, nil},
		{"a workload key means proto", `{"x":1,"workload":{}}`, FormatProto, nil},
		{"a data key means proto", `{"data":[]}`, FormatProto, nil},
		{"an id key means proto", `{"id":336}`, FormatProto, nil},
		{"a null timestamp decides nothing", `{"timestamp":null,"args":[]}`, FormatLegacy, nil},
		{"keys inside nested objects do not count", `{"x":{"eventId":"1"},"id":2}`, FormatProto, nil},
		{"a key spelled in a string value does not count", `{"x":"\"eventId\":","id":2}`, FormatProto, nil},
		{"leading whitespace is fine", " \t{\"id\":1}", FormatProto, nil},
		{"an empty object is neither", `{}`, FormatUnknown, ErrUnknownFormat},
		{"an object of other keys is neither", `{"foo":1,"bar":[1,2]}`, FormatUnknown, ErrUnknownFormat},
		{"a JSON array is neither", `[1,2,3]`, FormatUnknown, ErrUnknownFormat},
		{"a JSON string is neither", `"eventId"`, FormatUnknown, ErrUnknownFormat},
		{"plain text is not JSON", `hello world`, FormatUnknown, ErrNotJSON},
		{"binary garbage is not JSON", "\x00\xff\x13\x37", FormatUnknown, ErrNotJSON},
		{"an empty line is not JSON", ``, FormatUnknown, ErrNotJSON},
		{"a line cut in the first key is not JSON", `{"timest`, FormatUnknown, ErrNotJSON},
		{"a line cut before any deciding key is not JSON", `{"foo":[1,2`, FormatUnknown, ErrNotJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DetectFormat([]byte(tt.line))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDetectFormatDoesNotAllocate(t *testing.T) {
	line := sampleLines(t, protoSample)[0]
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = DetectFormat(line)
	})
	assert.Zero(t, allocs)
}

func TestFormatString(t *testing.T) {
	tests := []struct {
		f    Format
		want string
	}{
		{FormatUnknown, "unknown"},
		{FormatLegacy, "legacy"},
		{FormatProto, "proto"},
		{Format(9), "Format(9)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.f.String())
		})
	}
}

func TestLineErrorNamesLineEventAndField(t *testing.T) {
	tests := []struct {
		name string
		err  *LineError
		want string
	}{
		{
			"every part known",
			&LineError{Line: 7, Format: FormatProto, Event: "pidfd_send_signal", Field: "data.sig.int32", Err: ErrBadField},
			`capture: line 7, proto event "pidfd_send_signal", field data.sig.int32: bad field`,
		},
		{
			"no line number from a single-line decoder",
			&LineError{Format: FormatLegacy, Event: "pidfd_open", Field: "args.pid.value", Err: ErrBadField},
			`capture: legacy event "pidfd_open", field args.pid.value: bad field`,
		},
		{
			"nothing known but the line",
			&LineError{Line: 3, Err: ErrNotJSON},
			`capture: line 3: not JSON`,
		},
		{
			"nothing known at all",
			&LineError{Err: ErrUnknownFormat},
			`capture: unknown event format`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
			assert.ErrorIs(t, tt.err, tt.err.Err)
		})
	}
}
