package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReaderReadsAMixedFormatStream(t *testing.T) {
	legacy := sampleLines(t, legacySample)
	proto := sampleLines(t, protoSample)
	var lines [][]byte
	for i := range legacy {
		lines = append(lines, legacy[i], proto[i])
	}
	r := NewReader(bytes.NewReader(joinLines(lines...)))

	for i := range lines {
		var ev trace.Event
		require.NoError(t, r.Next(&ev), "line %d", i+1)
		assert.Equal(t, i+1, r.Line())
		want := legacy[i/2]
		if i%2 == 1 {
			want = proto[i/2]
		}
		var direct trace.Event
		_, err := Decode(want, &direct)
		require.NoError(t, err)
		assert.Equal(t, direct, ev, "line %d decodes as it does alone", i+1)
	}
	var ev trace.Event
	assert.ErrorIs(t, r.Next(&ev), io.EOF)
	assert.ErrorIs(t, r.Next(&ev), io.EOF, "EOF again after the end")
	assert.Equal(t, Stats{Lines: 22, Events: 22, Legacy: 11, Proto: 11}, r.Stats())
}

func TestReaderReportsBadLinesAndCarriesOn(t *testing.T) {
	legacyLine := string(sampleLines(t, legacySample)[1])
	protoLine := string(sampleLines(t, protoSample)[1])
	tests := []struct {
		name      string
		bad       string
		wantErr   error
		wantField string
	}{
		{"plain text", "tracee: starting up", ErrNotJSON, ""},
		{"a proto line cut short", protoLine[:200], ErrNotJSON, ""},
		{"a legacy line cut short", legacyLine[:200], ErrNotJSON, ""},
		{"binary garbage", "\x7fELF\x02\x01\x01\x00\x00\xff\xfe{", ErrNotJSON, ""},
		{"binary garbage that starts like an object", "{\x00\x01\x02\xff", ErrNotJSON, ""},
		{"JSON of neither format", `{"level":"info","msg":"tracee started"}`, ErrUnknownFormat, ""},
		{"a proto string where int32 is expected", strings.Replace(protoLine, `"int32":3`, `"int32":"three"`, 1), ErrBadField, "data.pidfd.int32"},
		{"a legacy string where int32 is expected", strings.Replace(legacyLine, `"value":3`, `"value":"three"`, 1), ErrBadField, "args.pidfd.value"},
		{"a proto int32 out of range", strings.Replace(protoLine, `"int32":3`, `"int32":2147483648`, 1), ErrBadField, "data.pidfd.int32"},
		{"a legacy int32 out of range", strings.Replace(legacyLine, `"value":3`, `"value":-2147483649`, 1), ErrBadField, "args.pidfd.value"},
		{"a proto kind outside the schema", strings.Replace(protoLine, `"int32":3`, `"int31":3`, 1), ErrUnknownKind, "data.pidfd.int31"},
		{"a proto pid of the wrong type", strings.Replace(protoLine, `"host_pid":19483`, `"host_pid":"19483"`, 1), ErrBadField, "workload.process.host_pid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := joinLines([]byte(protoLine), []byte(tt.bad), []byte(legacyLine))
			r := NewReader(bytes.NewReader(stream))
			var ev trace.Event

			require.NoError(t, r.Next(&ev))
			assert.Equal(t, 1, r.Line())

			err := r.Next(&ev)
			require.ErrorIs(t, err, tt.wantErr)
			var lerr *LineError
			require.True(t, errors.As(err, &lerr))
			assert.Equal(t, 2, lerr.Line)
			assert.Equal(t, 2, r.Line())
			assert.Equal(t, tt.wantField, lerr.Field)
			assert.Contains(t, err.Error(), "line 2")
			assert.Equal(t, trace.Event{}, ev)

			require.NoError(t, r.Next(&ev), "the line after a bad one reads fine")
			assert.Equal(t, 3, r.Line())
			assert.Equal(t, "pidfd_send_signal", ev.EventName)
			assert.ErrorIs(t, r.Next(&ev), io.EOF)
			assert.Equal(t, Stats{Lines: 3, Events: 2, BadLines: 1, Legacy: 1, Proto: 1}, r.Stats())
		})
	}
}

func TestReaderHandlesLineEndings(t *testing.T) {
	line := string(sampleLines(t, protoSample)[1])
	tests := []struct {
		name       string
		stream     string
		wantEvents int
		wantBlank  int
	}{
		{"blank lines are skipped silently", "\n" + line + "\n\n  \t \n" + line + "\n\n", 2, 4},
		{"CRLF line endings are fine", line + "\r\n" + line + "\r\n", 2, 0},
		{"a last line without a newline is read", line + "\n" + line, 2, 0},
		{"an empty stream has no events", "", 0, 0},
		{"a stream of blank lines has no events", "\n\n\r\n", 0, 3},
		{"a UTF-8 byte order mark before the first event is skipped", "\xef\xbb\xbf" + line + "\n" + line + "\n", 2, 0},
		{"a byte order mark before a CRLF first line is skipped", "\xef\xbb\xbf" + line + "\r\n", 1, 0},
		{"a byte order mark alone is a blank line", "\xef\xbb\xbf\n" + line + "\n", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.stream))
			events := 0
			for {
				var ev trace.Event
				err := r.Next(&ev)
				if errors.Is(err, io.EOF) {
					break
				}
				require.NoError(t, err)
				assert.Equal(t, "pidfd_send_signal", ev.EventName)
				events++
			}
			assert.Equal(t, tt.wantEvents, events)
			assert.Equal(t, tt.wantBlank, r.Stats().Blank)
		})
	}
}

// bigLine makes a proto line whose one string argument is size bytes of 'a'.
func bigLine(size int) io.Reader {
	return io.MultiReader(
		strings.NewReader(`{"timestamp":"2026-11-27T01:00:20Z","id":1,"name":"big","data":[{"name":"s","str":"`),
		&repeatReader{data: bytes.Repeat([]byte("a"), 4096), limit: int64(size)},
		strings.NewReader(`"}]}`+"\n"),
	)
}

func TestReaderAssemblesLinesLongerThanItsBuffer(t *testing.T) {
	const size = 5*readBufferSize + 123
	good := sampleLines(t, protoSample)[1]
	r := NewReader(io.MultiReader(bigLine(size), bytes.NewReader(joinLines(good))))
	var ev trace.Event
	require.NoError(t, r.Next(&ev))
	assert.Equal(t, "big", ev.EventName)
	assert.Len(t, ev.Args[0].Value, size)
	require.NoError(t, r.Next(&ev))
	assert.Equal(t, 2, r.Line())
	assert.Equal(t, "pidfd_send_signal", ev.EventName)
}

func TestReaderSkipsAnOverlongLineWithoutHoldingIt(t *testing.T) {
	const maxLine = 1 << 20
	good := sampleLines(t, protoSample)[1]
	big, err := io.ReadAll(io.LimitReader(bigLine(0), 1<<10))
	require.NoError(t, err)
	wantSize := len(big) - 1 + 20<<20 // the line's JSON around 20 MiB of text
	stream := io.MultiReader(
		bytes.NewReader(joinLines(good)),
		bigLine(20<<20),
		bytes.NewReader(joinLines(good)),
	)
	r := NewReader(stream, WithMaxLineSize(maxLine))
	var ev trace.Event
	require.NoError(t, r.Next(&ev))

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err = r.Next(&ev)
	runtime.ReadMemStats(&after)

	require.ErrorIs(t, err, ErrLineTooLong)
	var lerr *LineError
	require.True(t, errors.As(err, &lerr))
	assert.Equal(t, 2, lerr.Line)
	assert.Contains(t, err.Error(), fmt.Sprintf(" %d bytes", wantSize), "the size of the whole skipped line")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(3*maxLine), "at most the maximum was buffered, not 20 MiB")
	assert.LessOrEqual(t, cap(r.long), maxLine+readBufferSize)

	require.NoError(t, r.Next(&ev), "reading carries on after the long line")
	assert.Equal(t, 3, r.Line())
	assert.Equal(t, "pidfd_send_signal", ev.EventName)
	assert.ErrorIs(t, r.Next(&ev), io.EOF)
	assert.Equal(t, Stats{Lines: 3, Events: 2, BadLines: 1, Proto: 2}, r.Stats())
}

func TestReaderMaxLineSize(t *testing.T) {
	line := sampleLines(t, protoSample)[1]
	tests := []struct {
		name    string
		opts    []Option
		wantErr error
	}{
		{"a line of exactly the maximum is read", []Option{WithMaxLineSize(len(line))}, nil},
		{"a line one byte over the maximum is skipped", []Option{WithMaxLineSize(len(line) - 1)}, ErrLineTooLong},
		{"a zero maximum means the default", []Option{WithMaxLineSize(0)}, nil},
		{"no option means the default", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(joinLines(line)), tt.opts...)
			var ev trace.Event
			err := r.Next(&ev)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.ErrorIs(t, r.Next(&ev), io.EOF)
		})
	}
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReaderReturnsFailuresOfTheUnderlyingReader(t *testing.T) {
	broken := errors.New("disk on fire")
	r := NewReader(&failingReader{data: joinLines(sampleLines(t, protoSample)[1]), err: broken})
	var ev trace.Event
	require.NoError(t, r.Next(&ev))
	err := r.Next(&ev)
	require.ErrorIs(t, err, broken)
	var lerr *LineError
	assert.False(t, errors.As(err, &lerr), "an I/O failure is not a bad line")
}

func TestReaderDoesNotShareMemoryBetweenEvents(t *testing.T) {
	lines := sampleLines(t, protoSample)
	r := NewReader(bytes.NewReader(joinLines(lines[1], lines[2])))
	var first, second trace.Event
	require.NoError(t, r.Next(&first))
	kept := first
	require.NoError(t, r.Next(&first))
	_, err := Decode(lines[1], &second)
	require.NoError(t, err)
	assert.Equal(t, second, kept, "an event kept by value survives the next call")
}

func TestReaderUsesConstantMemoryOnALargeStream(t *testing.T) {
	events := 200_000 // about 150 MB of JSON
	if testing.Short() || raceEnabled {
		events = 20_000
	}
	var sample []byte
	for _, capture := range []string{legacySample, protoSample} {
		sample = append(sample, joinLines(sampleLines(t, capture)...)...)
	}
	perRound := 22
	total := int64(len(sample) * (events / perRound))
	stream := &repeatReader{data: sample, limit: total}
	r := NewReader(stream)

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var ev trace.Event
	var base uint64
	for n := 0; ; n++ {
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if n == 1000 {
			base = heap()
		}
	}
	end := heap()
	t.Logf("%d events, %d MB read; live heap %d KiB after 1000 events, %d KiB at the end", r.Stats().Events, total>>20, base>>10, end>>10)
	assert.Equal(t, events/perRound*perRound, r.Stats().Events)
	assert.Less(t, int64(end)-int64(base), int64(256<<10),
		"heap grew from %d to %d bytes over %d MB of input", base, end, total>>20)
}
