package capture

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/require"
)

// fuzzSeeds are the real sample lines plus lines reaching the rarer paths.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, capture := range []string{legacySample, protoSample} {
		seeds = append(seeds, sampleLines(f, capture)...)
	}
	for _, s := range []string{
		`{"id":1,"name":"k","data":[{"name":"a","str_array":{"value":["x"]}},{"name":"b","bytes":"AQ=="},{"name":"c","bool":false}]}`,
		`{"id":1,"data":[{"name":"p","int32_array":{"value":[1,2]}},{"name":"q","u_int64_array":{"value":["1"]}},{"name":"t","timespec":{"value":"NaN"}}]}`,
		`{"id":1,"data":[{"name":"s","sockaddr":{"sa_family":"AF_INET6","sin6_port":1}},{"name":"c","credentials":{"cap_ambient":["CAP_KILL",9]}},{"name":"m","struct":{"a":[1,{}]}}]}`,
		`{"timestamp":"null","id":"pidfd_open","workload":{"process":{"thread":{"user_stack_trace":{"addresses":[{"address":"1"}]}},"ancestors":[{}]},"container":{"is_running":true}}}`,
		`{"eventId":"1","args":[{"name":"b","type":"[]byte","value":"AA=="},{"name":"p","type":"[2]int32","value":[1,2]},{"name":"m","type":"SockAddr","value":{"a":"b"}}]}`,
		`{"eventId":"1","args":[{"name":"x","type":"char*","value":5},{"name":"u","type":"[]uint64","value":[1]}]}`,
		`{"id":1,"data":[{"name":"x","ipv4":{}}]}`,
		`{"eventId":"1","args":[{"name":"h","type":"trace.ProtoHTTP","value":{"direction":"","method":"GET","protocol":"","host":"","uri_path":"/","status":"","status_code":200,"content_length":5,"headers":{"Accept":["*/*"]}}}]}`,
		`{"eventId":"1","args":[{"name":"ip","type":"trace.ProtoIPv4","value":{"version":4,"IHL":5,"TOS":0,"length":1,"id":2,"flags":0,"fragOffset":0,"TTL":64,"protocol":"TCP","checksum":0,"srcIP":"1.2.3.4","dstIP":"5.6.7.8"}}]}`,
		`{}`, `[]`, `null`, `{"timestamp":`, "\x00\xff",
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

var lineErrorCauses = []error{ErrNotJSON, ErrUnknownFormat, ErrBadField, ErrUnknownKind, ErrUnsupportedKind}

func requireLineError(t *testing.T, err error) *LineError {
	t.Helper()
	var lerr *LineError
	require.ErrorAs(t, err, &lerr)
	for _, cause := range lineErrorCauses {
		if errors.Is(err, cause) {
			return lerr
		}
	}
	t.Fatalf("line error %v wraps no sentinel", err)
	return nil
}

// FuzzDecode checks that any line either fails with a LineError or decodes
// into an event that re-encodes, in its own format, to a stable line.
func FuzzDecode(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var ev trace.Event
		format, err := Decode(line, &ev)
		if err != nil {
			requireLineError(t, err)
			require.Equal(t, trace.Event{}, ev)
			return
		}
		encode := EncodeProto
		if format == FormatLegacy {
			encode = EncodeLegacy
		}
		out, err := encode(&ev)
		require.NoError(t, err, "a decoded event re-encodes")
		var again trace.Event
		againFormat, err := Decode(out, &again)
		require.NoError(t, err, "a re-encoded event decodes: %s", out)
		require.Equal(t, format, againFormat)
		out2, err := encode(&again)
		require.NoError(t, err)
		require.Equal(t, string(out), string(out2), "encoding is stable")
	})
}

// FuzzReader checks that a Reader always gets to the end of any stream,
// reporting every bad line as a LineError with its number, with a small
// buffer (64 bytes) so that long lines are assembled and skipped.
func FuzzReader(f *testing.F) {
	seeds := fuzzSeeds(f)
	f.Add(bytes.Join(seeds, []byte("\n")))
	f.Add(bytes.Join(seeds, []byte("\r\n\n")))
	for _, seed := range seeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), WithMaxLineSize(600), withBufferSize(64))
		maxCalls := bytes.Count(data, []byte("\n")) + 2
		for calls := 1; ; calls++ {
			require.LessOrEqual(t, calls, maxCalls, "each call consumes a line")
			var ev trace.Event
			err := r.Next(&ev)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrLineTooLong) {
					requireLineError(t, err)
				}
				var lerr *LineError
				require.ErrorAs(t, err, &lerr)
				require.Equal(t, r.Line(), lerr.Line)
			}
		}
		s := r.Stats()
		require.Equal(t, s.Lines, s.Blank+s.Events+s.BadLines)
		require.Equal(t, s.Events, s.Legacy+s.Proto)
		require.Equal(t, s.Lines, r.Line())
	})
}
