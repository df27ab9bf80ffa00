package capture

import (
	"bufio"
	"errors"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// call is one line of a sample's call log (the .txt file written by the
// program that made the calls while Tracee recorded them).
type call struct {
	text   string
	event  string // the system call made
	result int    // what Tracee reports: rc, or -errno on failure
	uid    int
}

var callResult = regexp.MustCompile(`rc=(-?\d+) errno=(\d+)`)

// readCallLog parses a call log: the parent's pid, then one call per line.
func readCallLog(t *testing.T, capture string) (parentPID int, calls []call) {
	t.Helper()
	f, err := os.Open(samplePath(capture + ".txt"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	require.True(t, sc.Scan())
	header := strings.Fields(sc.Text()) // parent pid=N child pid=M
	parentPID, err = strconv.Atoi(strings.TrimPrefix(header[1], "pid="))
	require.NoError(t, err)
	for sc.Scan() {
		text := sc.Text()
		m := callResult.FindStringSubmatch(text)
		require.NotNil(t, m, "call log line %q", text)
		rc, _ := strconv.Atoi(m[1])
		errno, _ := strconv.Atoi(m[2])
		c := call{text: text, event: "pidfd_send_signal", result: rc}
		if rc == -1 {
			c.result = -errno
		}
		if strings.HasPrefix(text, "[uid 65534]") {
			c.uid = 65534
			text = strings.TrimSpace(strings.TrimPrefix(text, "[uid 65534]"))
		}
		if strings.HasPrefix(text, "pidfd_open") {
			c.event = "pidfd_open"
		}
		calls = append(calls, c)
	}
	require.NoError(t, sc.Err())
	return parentPID, calls
}

// readAll decodes a whole sample capture with a Reader.
func readAll(t *testing.T, capture string) ([]trace.Event, Stats) {
	t.Helper()
	f, err := os.Open(samplePath(capture + ".jsonl"))
	require.NoError(t, err)
	defer f.Close()
	r := NewReader(f)
	var events []trace.Event
	for {
		var ev trace.Event
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			return events, r.Stats()
		}
		require.NoError(t, err)
		events = append(events, ev)
	}
}

func sendSignalEvents(events []trace.Event) []trace.Event {
	var out []trace.Event
	for _, ev := range events {
		if ev.EventName == "pidfd_send_signal" {
			out = append(out, ev)
		}
	}
	return out
}

func argOf(t *testing.T, ev *trace.Event, name string) trace.Argument {
	t.Helper()
	for _, a := range ev.Args {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("event %s has no argument %q", ev.EventName, name)
	return trace.Argument{}
}

func TestSampleCapturesMatchTheirCallLogs(t *testing.T) {
	for _, tc := range []struct {
		capture string
		format  Format
	}{
		{legacySample, FormatLegacy},
		{protoSample, FormatProto},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			parentPID, calls := readCallLog(t, tc.capture)
			events, stats := readAll(t, tc.capture)

			require.Len(t, events, len(calls), "one event per call")
			assert.Equal(t, Stats{Lines: len(calls), Events: len(calls), Legacy: stats.Legacy, Proto: stats.Proto}, stats)
			if tc.format == FormatLegacy {
				assert.Equal(t, len(calls), stats.Legacy)
			} else {
				assert.Equal(t, len(calls), stats.Proto)
			}
			for i, c := range calls {
				ev := events[i]
				assert.Equal(t, c.event, ev.EventName, c.text)
				assert.Equal(t, c.result, ev.ReturnValue, c.text)
				assert.Equal(t, c.uid, ev.UserID, c.text)
				if c.uid == 0 {
					assert.Equal(t, parentPID, ev.HostProcessID, c.text)
				}
				if tc.format == FormatProto {
					assert.Equal(t, int64(c.result), argOf(t, &ev, "returnValue").Value, c.text)
				}
			}
		})
	}
}

func TestBothSampleCapturesDecodeToTheSameSendSignalArguments(t *testing.T) {
	legacyEvents, _ := readAll(t, legacySample)
	protoEvents, _ := readAll(t, protoSample)
	legacySends := sendSignalEvents(legacyEvents)
	protoSends := sendSignalEvents(protoEvents)
	require.Len(t, legacySends, 9)
	require.Len(t, protoSends, len(legacySends))

	for i := range legacySends {
		lev, pev := &legacySends[i], &protoSends[i]
		for _, name := range []string{"pidfd", "sig", "info", "flags"} {
			la, pa := argOf(t, lev, name), argOf(t, pev, name)
			assert.Equal(t, la.Type, pa.Type, "call %d %s", i, name)
			assert.IsType(t, la.Value, pa.Value, "call %d %s", i, name)
			if name == "info" {
				// Two runs: the siginfo lived at different addresses, but
				// NULL is NULL in both.
				assert.Equal(t, la.Value == trace.Pointer(0), pa.Value == trace.Pointer(0), "call %d info", i)
				continue
			}
			assert.Equal(t, la.Value, pa.Value, "call %d %s", i, name)
		}
		assert.Equal(t, lev.ReturnValue, pev.ReturnValue, "call %d", i)
		assert.Len(t, lev.Args, 4, "v0.24.1 has no returnValue argument")
		assert.Len(t, pev.Args, 5, "the main branch adds a returnValue argument")
		assert.Equal(t, len(lev.Args), lev.ArgsNum)
		assert.Equal(t, len(pev.Args), pev.ArgsNum)
	}
}

func TestEveryArgumentHasTheGoTypeTraceeDeliversInAPlugin(t *testing.T) {
	want := map[string]struct {
		typeName string
		goType   reflect.Type
	}{
		"pid":         {"int32", reflect.TypeOf(int32(0))},
		"pidfd":       {"int32", reflect.TypeOf(int32(0))},
		"sig":         {"int32", reflect.TypeOf(int32(0))},
		"info":        {"trace.Pointer", reflect.TypeOf(trace.Pointer(0))},
		"flags":       {"uint32", reflect.TypeOf(uint32(0))},
		"returnValue": {"int64", reflect.TypeOf(int64(0))},
	}
	for _, capture := range []string{legacySample, protoSample} {
		events, _ := readAll(t, capture)
		for _, ev := range events {
			for _, a := range ev.Args {
				w, ok := want[a.Name]
				require.True(t, ok, "%s: unexpected argument %q", capture, a.Name)
				assert.Equal(t, w.typeName, a.Type, "%s %s.%s", capture, ev.EventName, a.Name)
				assert.Equal(t, w.goType, reflect.TypeOf(a.Value), "%s %s.%s", capture, ev.EventName, a.Name)
			}
		}
	}
}

func TestSampleContextFieldsAreNormalized(t *testing.T) {
	legacyEvents, _ := readAll(t, legacySample)
	protoEvents, _ := readAll(t, protoSample)

	t.Run("proto context maps onto trace.Event fields", func(t *testing.T) {
		ev := protoEvents[1]
		assert.Equal(t, 1795741220988728032, ev.Timestamp) // 2026-11-27T01:00:20.988728032Z
		assert.Equal(t, 1795741220785286204, ev.ThreadStartTime)
		assert.Equal(t, 336, ev.EventID)
		assert.Equal(t, "pidfd_send_signal", ev.EventName)
		assert.Equal(t, []string{""}, ev.MatchedPolicies)
		assert.Equal(t, "/usr/local/bin/pidfd-trigger", ev.Executable.Path)
		assert.Equal(t, "pidfd-trigger", ev.ProcessName)
		assert.Equal(t, 19483, ev.HostProcessID)
		assert.Equal(t, 19483, ev.ProcessID)
		assert.Equal(t, 19483, ev.HostThreadID)
		assert.Equal(t, 19483, ev.ThreadID)
		assert.Equal(t, 19447, ev.HostParentProcessID)
		assert.Equal(t, 19447, ev.ParentProcessID)
		assert.Equal(t, uint32(4079304933), ev.ProcessEntityId)
		assert.Equal(t, uint32(4079304933), ev.ThreadEntityId)
		assert.Equal(t, uint32(311140965), ev.ParentEntityId)
		assert.Equal(t, "pidfd_send_signal", ev.Syscall)
		assert.Equal(t, 0, ev.UserID)
		assert.Equal(t, "", ev.ContainerID)
		assert.Equal(t, 5, ev.ArgsNum)
	})
	t.Run("legacy context is kept as Tracee wrote it", func(t *testing.T) {
		ev := legacyEvents[1]
		assert.Equal(t, 1795741955263366239, ev.Timestamp)
		assert.Equal(t, 424, ev.EventID)
		assert.Equal(t, 4026531836, ev.PIDNS)
		assert.Equal(t, 4026531832, ev.MountNS)
		assert.Equal(t, 32234, ev.HostProcessID)
		assert.Equal(t, 32218, ev.HostParentProcessID)
		assert.Equal(t, uint32(3739737205), ev.ParentEntityId)
		assert.Equal(t, "vm", ev.HostName)
		assert.Equal(t, 4, ev.ArgsNum)
	})
}

func TestEncodersReproduceTheSampleLinesByteForByte(t *testing.T) {
	for _, tc := range []struct {
		capture string
		encode  func(*trace.Event) ([]byte, error)
	}{
		{legacySample, EncodeLegacy},
		{protoSample, EncodeProto},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			for i, line := range sampleLines(t, tc.capture) {
				var ev trace.Event
				_, err := Decode(line, &ev)
				require.NoError(t, err, "line %d", i+1)
				out, err := tc.encode(&ev)
				require.NoError(t, err, "line %d", i+1)
				assert.Equal(t, string(line), string(out), "line %d", i+1)
			}
		})
	}
}
