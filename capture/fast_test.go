package capture

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastSeeds are lines that take the fast decoders' rarer paths, or that
// they must leave to encoding/json.
var fastSeeds = []string{
	// Escapes, non-ASCII text, invalid UTF-8 and surrogates.
	`{"eventId":"1","eventName":"a\"b","processName":"caf\u00e9","args":[{"name":"p","type":"const char*","value":"x\\y\n\u0026"}]}`,
	`{"eventId":"1","eventName":"été ☃","args":[{"name":"p","type":"string","value":"日本"}]}`,
	"{\"eventId\":\"1\",\"eventName\":\"a\xffb\"}",
	`{"eventId":"1","eventName":"\ud83d\ude00 \ud800 \udc00x"}`,
	`{"eventId":"1","eventName":"a\u0000b","hostName":"\/"}`,
	"{\"eventId\":\"1\",\"eventName\":\"tab\there\"}",
	`{"eventId":"1","eventName":"bad \x escape"}`,
	`{"id":1,"name":"a\u00e9","data":[{"name":"s","str":"\"q\""},{"name":"n","int64":"\u0031"},{"name":"m","int32":"12"}]}`,
	// Numbers at and beyond their limits, and numbers fastjson accepts but
	// JSON does not.
	`{"eventId":"-0","timestamp":-0,"processId":-9223372036854775808,"cgroupId":18446744073709551615,"threadEntityId":4294967295}`,
	`{"eventId":"1","processId":9223372036854775808}`,
	`{"eventId":"1","threadEntityId":4294967296}`,
	`{"eventId":"1","processId":1.0}`,
	`{"eventId":"1","processId":1e2}`,
	`{"eventId":"1","processId":01}`,
	`{"eventId":"1","processId":+1}`,
	`{"eventId":"1","processId":-}`,
	`{"eventId":"1","processId":NaN}`,
	`{"eventId":"1","processId":Inf}`,
	`{"eventId":"1","processId":1.}`,
	`{"eventId":"1","processId":.5}`,
	`{"eventId":"1","args":[{"name":"f","type":"float64","value":1e400}]}`,
	`{"eventId":"1","args":[{"name":"f","type":"float","value":-1.5e-3},{"name":"g","type":"float64","value":0.1}]}`,
	`{"eventId":"007","eventName":"x"}`,
	`{"eventId":"+7","eventName":"x"}`,
	`{"eventId":" 7","eventName":"x"}`,
	`{"eventId":"","eventName":"x"}`,
	`{"eventId":"null","eventName":"x"}`,
	`{"eventId":null,"eventName":"x"}`,
	`{"eventId":"99999999999999999999","eventName":"x"}`,
	// Nulls, empty lists, repeated and case-folded keys, unknown keys.
	`{"timestamp":null,"eventId":"1","eventName":null,"matchedPolicies":null,"args":null,"stackAddresses":null,"executable":null,"container":null,"metadata":null}`,
	`{"eventId":"1","matchedPolicies":[],"args":[],"stackAddresses":[]}`,
	`{"eventId":"1","matchedPolicies":[null],"stackAddresses":[null]}`,
	`{"eventId":"1","eventName":"a","eventName":"b"}`,
	`{"eventId":"1","EventName":"a"}`,
	`{"eventId":"1","eventname":"a","unknown":5}`,
	`{"eventId":"1","container":{"id":"c","ID":"d"}}`,
	`{"eventId":"1","metadata":{"Version":"1"}}`,
	`{"eventId":"1","args":[null,{"name":"a","type":"int32","value":1,"Value":2}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"int32","value":1,"value":2}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"int32","value":1,"Zero":2}]}`,
	// Legacy argument types and values.
	`{"eventId":"1","args":[{"name":"a","type":"char*","value":7},{"name":"b","type":"void*","value":null},{"name":"c","type":"void*","value":"s"}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"int8","value":-128},{"name":"b","type":"uint8","value":255},{"name":"c","type":"uint16","value":65535}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"int8","value":128}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"const char*","value":true},{"name":"b","type":"unsigned long","value":"x"}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"bool","value":"true"}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"[]string","value":"x"}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"[]string","value":["x",1,null]}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"[]string","value":[]},{"name":"b","type":"[]uint64","value":[]}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"[2]int32","value":[1,"2"]}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"[2]int32","value":[2147483648,1]}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"[]uint64","value":[-1]}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"[]int","value":[1]}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"trace.ProtoIPv4","value":"x"}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"[]byte","value":"-_8"},{"name":"b","type":"[]byte","value":"AQ"}]}`,
	`{"eventId":"1","args":[{"name":"a","value":5}]}`,
	`{"eventId":"1","args":[{"type":"int32","value":5}]}`,
	`{"eventId":"1","args":[{"name":"a","type":"int32"}]}`,
	// Proto context variants.
	`{"timestamp":"2024-02-29T23:59:59.123Z","id":1,"workload":{"process":{"thread":{"start_time":"1970-01-01T00:00:00Z"}}}}`,
	`{"timestamp":"2023-02-29T00:00:00Z","id":1}`,
	`{"timestamp":"2023-01-01T24:00:00Z","id":1}`,
	`{"timestamp":"2023-01-01T23:59:60Z","id":1}`,
	`{"timestamp":"2023-01-01T00:00:00.1234567891Z","id":1}`,
	`{"timestamp":"2023-01-01T00:00:00.Z","id":1}`,
	`{"timestamp":"2023-01-01T00:00:00,5Z","id":1}`,
	`{"timestamp":"2023-01-01t00:00:00Z","id":1}`,
	`{"timestamp":"2023-01-01T00:00:00+02:00","id":1}`,
	`{"timestamp":"1677-01-01T00:00:00Z","id":1}`,
	`{"timestamp":"2262-04-11T23:47:16.854775807Z","id":1}`,
	`{"timestamp":"2262-04-11T23:47:16.854775808Z","id":1}`,
	`{"timestamp":"0000-01-01T00:00:00Z","id":1}`,
	`{"timestamp":"9999-12-31T23:59:59.999999999Z","id":1}`,
	`{"timestamp":"","id":"2147483648","name":"x"}`,
	`{"id":2147483648}`,
	`{"id":-2147483648,"name":null}`,
	`{"id":1,"Name":"x"}`,
	`{"id":1,"threat":{"name":"t","properties":{"n":[1,2.5e3,{"k":null}]}},"detected_from":{"id":2}}`,
	`{"id":1,"threat":{"n":01}}`,
	`{"id":1,"threat":[1,+2]}`,
	`{"id":1,"policies":{"matched":["a","b"],"Matched":["c"]}}`,
	`{"id":1,"policies":{"matched":["a"],"other":1}}`,
	`{"id":1,"workload":{"process":{"pid":1,"pid":2}}}`,
	`{"id":1,"workload":{"process":{"PID":1}}}`,
	`{"id":1,"workload":{"process":{"ancestors":[null,{"pid":2,"executable":{"path":"/x"}}]}}}`,
	`{"id":1,"workload":{"process":{"ancestors":[{"pid":-1},{"pid":1}]}}}`,
	`{"id":1,"workload":{"process":{"ancestors":[{"pid":1},{"pid":-1}]}}}`,
	`{"id":1,"workload":{"process":{"ancestors":[]}}}`,
	`{"id":1,"workload":{"process":{"thread":{"user_stack_trace":{"addresses":[]}}}}}`,
	`{"id":1,"workload":{"process":{"thread":{"user_stack_trace":{"addresses":[null,{},{"address":null}]}}}}}`,
	`{"id":1,"workload":{"process":{"thread":{"user_stack_trace":{"addresses":[{"address":"010","symbol":"f"},{"address":7}]}}}}}`,
	`{"id":1,"workload":{"process":{"thread":{"user_stack_trace":{"addresses":[{"address":"1\u0030"}]}}}}}`,
	`{"id":1,"workload":{"process":{"thread":{"user_stack_trace":{"addresses":[{"address":-1}]}}}}}`,
	`{"id":1,"workload":{"container":{"id":"c","image":{"repo_digests":[],"name":"n"},"started":false,"is_running":true}}}`,
	`{"id":1,"workload":{"container":{"image":{"repo_digests":["a",null]}}}}`,
	`{"id":1,"workload":{"container":{"image":{"repo_digests":["a",5]}}}}`,
	`{"id":1,"workload":{"k8s":{"pod":{"name":"p","uid":"u","labels":{"a":"b"}},"namespace":{"name":"n"}}}}`,
	`{"id":1,"workload":null,"policies":null,"data":null}`,
	`{"id":1,"data":[]}`,
	`{"id":1,"data":[null]}`,
	`{"id":1,"data":[{}]}`,
	`{"id":1,"data":[{"name":"a","name":"b","int32":1}]}`,
	`{"id":1,"data":[{"name":"a","int32":1,"int64":"2"}]}`,
	`{"id":1,"data":[{"name":null,"int32":1}]}`,
	`{"id":1,"data":[{"NAME":"a","int32":1}]}`,
	`{"id":1,"data":[{"name":"a","INT32":1}]}`,
	`{"id":1,"data":[{"name":"a","int32":"0x10"},{"name":"b","int32":" 1"},{"name":"c","int32":"+1"}]}`,
	`{"id":1,"data":[{"name":"a","int32":true},{"name":"b","int32":{}},{"name":"c","int32":[1]}]}`,
	`{"id":1,"data":[{"name":"a","u_int32":"4294967296"},{"name":"b","pointer":-1}]}`,
	`{"id":1,"data":[{"name":"a","int64":01}]}`,
	`{"id":1,"data":[{"name":"a","bool":null}]}`,
	`{"id":1,"data":[{"name":"a","str":null}]}`,
	`{"id":1,"data":[{"name":"a","bytes":""},{"name":"b","bytes":"AQ=="}]}`,
	`{"id":1,"data":[{"name":"a","str_array":{"value":null}},{"name":"b","str_array":{"value":["x",null]}}]}`,
	`{"id":1,"data":[{"name":"a","str_array":{"Value":["x"]}}]}`,
	`{"id":1,"data":[{"name":"a","str_array":{"value":["x"],"other":1}}]}`,
	`{"id":1,"data":[{"name":"a","int32_array":{}},{"name":"b","int32_array":{"value":[]}},{"name":"c","int32_array":{"value":["1","2"]}}]}`,
	`{"id":1,"data":[{"name":"a","int32_array":{"value":["1.0"]}},{"name":"b","int32_array":{"value":[null]}}]}`,
	`{"id":1,"data":[{"name":"a","int32_array":{"value":[" 1"]}}]}`,
	`{"id":1,"data":[{"name":"a","u_int64_array":{"value":[1,"2",18446744073709551615]}}]}`,
	`{"id":1,"data":[{"name":"a","u_int64_array":{"value":["01"]}}]}`,
	`{"id":1,"data":[{"name":"a","timespec":{}},{"name":"b","timespec":{"value":null}},{"name":"c","timespec":{"value":"-Infinity"}},{"name":"d","timespec":{"value":"0x1p-2"}},{"name":"e","timespec":{"value":2.5e-9}}]}`,
	`{"id":1,"data":[{"name":"a","timespec":{"value":true}}]}`,
	`{"id":1,"data":[{"name":"a","timespec":5}]}`,
	`{"id":1,"data":[{"name":"returnValue","u_int64":"18446744073709551615"},{"name":"returnValue","int32":-3}]}`,
	`{"id":1,"data":[{"name":"returnValue","bool":true}]}`,
	`{"id":1,"data":[{"name":"returnValue"}]}`,
	`{"id":1,"data":[{"name":"a","int128":1}]}`,
	`{"id":1,"data":[{"name":"a","ipv4":{}}]}`,
	// Whitespace, truncation and trailing garbage.
	" { \"id\" : 1 , \"data\" : [ { \"name\" : \"a\" , \"int32\" : 1 } ] } ",
	`{"id":1}x`,
	`{"id":1,}`,
	`{"id":1,"data":[1,]}`,
	`{"id":1,"data":[{"name":"a","int32":1}`,
	`{"eventId":"1","args":[{"name":"a","type":"int32","value":1}]} {}`,
}

// sameEvents compares decoded events, counting NaN equal to itself.
func sameEvents(a, b *trace.Event) bool {
	return reflect.DeepEqual(a, b) || fmt.Sprintf("%#v", *a) == fmt.Sprintf("%#v", *b)
}

// requireFastMatchesStd decodes line with and without the fast decoders
// and fails unless both give the same format, event and error. It reports
// whether the fast decoders accepted the line.
func requireFastMatchesStd(t *testing.T, fast *lineDecoder, line []byte) (tookFastPath bool) {
	t.Helper()
	std := &lineDecoder{stdOnly: true}
	var wantEv, gotEv trace.Event
	wantFormat, wantErr := std.decodeLine(line, &wantEv)
	gotFormat, gotErr := fast.decodeLine(line, &gotEv)
	require.Equal(t, wantFormat, gotFormat, "format of %q", line)
	if wantErr != nil {
		// Errors always come from the encoding/json decoders, as the fast
		// ones leave every line they cannot decode to them, so the texts
		// are not compared: some are not even stable from one call to the
		// next (trace's decoder names the first missing key of a network
		// protocol struct it finds in a map).
		require.Error(t, gotErr, "%q: std fails with %v", line, wantErr)
		var wantLerr, gotLerr *LineError
		require.ErrorAs(t, wantErr, &wantLerr)
		require.ErrorAs(t, gotErr, &gotLerr)
		require.Equal(t, wantLerr.Line, gotLerr.Line, "%q", line)
		require.Equal(t, wantLerr.Format, gotLerr.Format, "%q", line)
		require.Equal(t, wantLerr.Event, gotLerr.Event, "%q", line)
		require.Equal(t, wantLerr.Field, gotLerr.Field, "%q", line)
		for _, cause := range lineErrorCauses {
			require.Equal(t, errors.Is(wantErr, cause), errors.Is(gotErr, cause), "%q: %v", line, cause)
		}
	} else {
		require.NoError(t, gotErr, "%q", line)
	}
	require.True(t, sameEvents(&wantEv, &gotEv), "%q:\nstd  %#v\nfast %#v", line, wantEv, gotEv)

	var ev trace.Event
	switch gotFormat {
	case FormatLegacy:
		return fast.fastLegacy(line, &ev)
	case FormatProto:
		return fast.fastProto(line, &ev)
	}
	return false
}

// FuzzFastMatchesStd checks that the fastjson decoders and the
// encoding/json ones agree on every line: the same event, or the same error.
func FuzzFastMatchesStd(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	for _, seed := range fastSeeds {
		f.Add([]byte(seed))
	}
	fast := new(lineDecoder) // shared, as in a Reader
	f.Fuzz(func(t *testing.T, line []byte) {
		requireFastMatchesStd(t, fast, line)
		requireFastMatchesStd(t, new(lineDecoder), line)
	})
}

func TestFastDecodersMatchTheStdOnes(t *testing.T) {
	fast := new(lineDecoder)
	for _, line := range fastSeeds {
		requireFastMatchesStd(t, fast, []byte(line))
	}
	for _, capture := range []string{legacySample, protoSample} {
		for _, line := range sampleLines(t, capture) {
			requireFastMatchesStd(t, fast, line)
		}
	}
}

func TestFastDecodersTakeWhatTraceeWrites(t *testing.T) {
	lines := [][]byte{}
	for _, capture := range []string{legacySample, protoSample} {
		lines = append(lines, sampleLines(t, capture)...)
	}
	for _, s := range []string{
		// What Tracee writes besides the samples' shapes: escapes, non-ASCII
		// text, the other argument types, keys the schema adds.
		`{"eventId":"1","eventName":"execve","processName":"sh","args":[{"name":"argv","type":"[]string","value":["sh","-c","a \u0026\u0026 b \u003e /dev/null"]},{"name":"envp","type":"const char**","value":null},{"name":"path","type":"const char*","value":"/bin/sh"}]}`,
		`{"eventId":"1","args":[{"name":"a","type":"int8","value":-1},{"name":"b","type":"float","value":1.5},{"name":"c","type":"uint64","value":18446744073709551615},{"name":"d","type":"[]byte","value":"AQID"},{"name":"e","type":"[2]int32","value":[3,4]},{"name":"f","type":"[]uint64","value":[1]},{"name":"g","type":"bool","value":true},{"name":"h","type":"void*","value":16}]}`,
		`{"timestamp":"2026-11-27T01:00:20Z","id":1,"name":"été","data":[{"name":"s","str":"q\"\\"},{"name":"b","bytes":"AQID"},{"name":"t","bool":true},{"name":"a","str_array":{"value":["x"]}},{"name":"p","int32_array":{"value":[1,2]}},{"name":"u","u_int64_array":{"value":["1"]}},{"name":"ts","timespec":{"value":1.5}},{"name":"x"}]}`,
		`{"id":1,"threat":{"name":"t"},"detected_from":{"id":2},"workload":{"process":{"ancestors":[{"pid":2,"executable":{"path":"/x"}}]},"k8s":{"pod":{"labels":{"a":"b"}}}}}`,
	} {
		lines = append(lines, []byte(s))
	}
	fast := new(lineDecoder)
	for _, line := range lines {
		assert.True(t, requireFastMatchesStd(t, fast, line), "the fast decoders take %s", line)
	}
}

func TestFastDecodersLeaveTheRestToEncodingJSON(t *testing.T) {
	for _, line := range []string{
		`{"eventId":"1","args":[{"name":"a","type":"SockAddr","value":{"sa_family":"AF_INET"}}]}`,
		`{"id":1,"data":[{"name":"a","sockaddr":{"sa_family":"AF_INET"}}]}`,
		`{"id":1,"data":[{"name":"a","credentials":{"uid":1}}]}`,
		`{"eventId":"1","EventName":"a"}`,
		`{"eventId":"1","eventName":"a","eventName":"b"}`,
		`{"eventId":"1","eventName":"\ud800"}`,
		"{\"eventId\":\"1\",\"eventName\":\"a\xffb\"}",
		`{"eventId":"1","processId":01}`,
		`{"id":1,"data":[{"name":"a","int32":"abc"}]}`,
	} {
		assert.False(t, requireFastMatchesStd(t, new(lineDecoder), []byte(line)), "left to encoding/json: %s", line)
	}
}

func TestParseJSONIntMatchesStrconv(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "1", "-1", "127", "128", "-128", "-129", "255", "256", "32767", "65535", "65536",
		"2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"18446744073709551615", "18446744073709551616", "99999999999999999999", "100000000000000000000",
	} {
		for _, bits := range []int{8, 16, 32, 64} {
			want, err := strconv.ParseInt(s, 10, bits)
			got, ok := parseJSONInt([]byte(s), bits)
			assert.Equal(t, err == nil, ok, "ParseInt(%s, %d)", s, bits)
			if ok {
				assert.Equal(t, want, got, "ParseInt(%s, %d)", s, bits)
			}
			wantU, err := strconv.ParseUint(s, 10, bits)
			gotU, ok := parseJSONUint([]byte(s), bits)
			assert.Equal(t, err == nil, ok, "ParseUint(%s, %d)", s, bits)
			if ok {
				assert.Equal(t, wantU, gotU, "ParseUint(%s, %d)", s, bits)
			}
		}
	}
	// What the JSON grammar or strconv rejects.
	for _, s := range []string{"", "-", "+1", "01", "-01", "1.0", "1e2", "1E2", " 1", "1 ", "0x1", "1_0", "--1"} {
		_, ok := parseJSONInt([]byte(s), 64)
		assert.False(t, ok, "%q", s)
		_, ok = parseJSONUint([]byte(s), 64)
		assert.False(t, ok, "%q", s)
	}
}

func TestParseUTCTimestampMatchesProtoTime(t *testing.T) {
	for _, s := range []string{
		"2026-11-27T01:00:20.988439651Z", "2026-11-27T01:00:20Z", "2026-11-27T01:00:20.5Z",
		"2026-11-27T01:00:20.000000001Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z",
		"2024-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2023-02-29T00:00:00Z",
		"2023-04-31T00:00:00Z", "2023-12-31T23:59:59Z", "2023-13-01T00:00:00Z", "2023-00-01T00:00:00Z",
		"2023-01-00T00:00:00Z", "2023-01-01T24:00:00Z", "2023-01-01T00:60:00Z", "2023-01-01T00:00:60Z",
		"1677-09-21T00:12:43.145224192Z", "1677-09-21T00:12:43.145224191Z", "1677-09-21T00:12:44Z",
		"2262-04-11T23:47:16.854775807Z", "2262-04-11T23:47:16.854775808Z", "2262-04-11T23:47:15Z",
		"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2023-01-01T00:00:00.Z", "2023-01-01T00:00:00.1234567890Z",
		"2023-01-01T00:00:00.12a4Z", "2023-01-01 00:00:00Z", "2023-01-01T00:00:00", "+023-01-01T00:00:00Z",
	} {
		want, wantErr := protoTime("t", s)
		got, ok := parseUTCTimestamp([]byte(s))
		if ok {
			assert.NoError(t, wantErr, s)
			assert.Equal(t, want, got, s)
		}
	}
}

func TestIsPlain(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{`{"a":"b"}`, true},
		{`{"a":"été ☃ 日本"}`, true},
		{strings.Repeat("x", 40) + "é" + strings.Repeat("y", 40), true},
		{`{"a":"b\"c"}`, false},
		{strings.Repeat("x", 40) + `\` + strings.Repeat("y", 40), false},
		{"{\"a\":\"b\tc\"}", false},
		{strings.Repeat("x", 40) + "\x1f", false},
		{strings.Repeat("x", 40) + "é\x01", false},
		{strings.Repeat("x", 40) + "\xff" + strings.Repeat("y", 40), false},
		{"\x7f", true},
		{"", true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, isPlain([]byte(tt.line)), "%q", tt.line)
	}
}

func TestInternerSharesRepeatedStrings(t *testing.T) {
	var in interner
	a := in.get([]byte("pidfd-trigger"))
	b := in.get([]byte("pidfd-trigger"))
	assert.Equal(t, "pidfd-trigger", a)
	assert.Same(t, unsafe.StringData(a), unsafe.StringData(b), "the second lookup returns the first string")
	assert.Equal(t, "", in.get(nil))
	long := strings.Repeat("a", internMaxLen+1)
	assert.Equal(t, long, in.get([]byte(long)))
	allocs := testing.AllocsPerRun(100, func() { in.get([]byte("pidfd_send_signal")) })
	assert.Zero(t, allocs)
}

func TestReaderDecodesWithFewAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, capture := range []string{legacySample, protoSample} {
		t.Run(capture, func(t *testing.T) {
			r := NewReader(&repeatReader{data: joinLines(sampleLines(t, capture)...), limit: -1})
			var ev trace.Event
			allocs := testing.AllocsPerRun(1100, func() {
				require.NoError(t, r.Next(&ev))
			})
			// The arguments, the matched policies, now and then a boxed value.
			assert.LessOrEqual(t, allocs, 3.0)
		})
	}
}

func TestDecodeIsSafeForConcurrentUse(t *testing.T) {
	lines := append(sampleLines(t, legacySample), sampleLines(t, protoSample)...)
	want := make([]trace.Event, len(lines))
	for i, line := range lines {
		_, err := Decode(line, &want[i])
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 20; round++ {
				for i, line := range lines {
					var ev trace.Event
					if _, err := Decode(line, &ev); err != nil || !reflect.DeepEqual(want[i], ev) {
						t.Errorf("line %d decodes differently under concurrency: %v", i, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestFastDecoderDropsTheMemoryOfALongLine(t *testing.T) {
	d := new(lineDecoder)
	long := `{"id":1,"name":"big","data":[{"name":"s","str":"` + strings.Repeat("a", fastLineLimit) + `"}]}`
	var ev trace.Event
	require.True(t, d.fastProto([]byte(long), &ev))
	assert.Len(t, ev.Args[0].Value, fastLineLimit)
	assert.Nil(t, d.buf)
	require.True(t, d.fastProto(sampleLines(t, protoSample)[1], &ev))
	assert.Equal(t, "pidfd_send_signal", ev.EventName)
}
