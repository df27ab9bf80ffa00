package events_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/events"
)

// The real Tracee captures and the trigger program's own log of what each of
// its calls returned (testdata/tracee-samples/README.md).
const (
	legacyCapture = "tracee-v0.24.1-trigger.jsonl"
	legacyCallLog = "tracee-v0.24.1-trigger.txt"
	protoCapture  = "tracee-main-trigger.jsonl"
	protoCallLog  = "tracee-main-trigger.txt"
)

func captureFile(name string) string {
	return filepath.Join("..", "testdata", "tracee-samples", name)
}

// loggedCall is one pidfd_send_signal line of a trigger's call log, e.g.
// "[uid 65534] send sig=SIGUSR1 flags=0   rc=-1 errno=1 (Operation not permitted)".
type loggedCall struct {
	line     string
	uid      uint32 // the sender's uid: 0 unless the line starts with [uid N]
	pidfd    int32  // the fd the same uid's last pidfd_open returned
	sig      string // as logged: "SIGUSR1", "0"
	flags    events.Flags
	infoNull bool
	errno    syscall.Errno // 0 on success
}

// callLog is a parsed trigger log.
type callLog struct {
	parentPID int32
	calls     []loggedCall
}

var (
	logParent = regexp.MustCompile(`^parent pid=(\d+) child pid=(\d+)$`)
	logCall   = regexp.MustCompile(`^(?:\[uid (\d+)\] )?(pidfd_open|send)\b(.*?)\s+rc=(-?\d+) errno=(\d+)`)
	logSig    = regexp.MustCompile(`\bsig=(\w+)`)
	logFlags  = regexp.MustCompile(`\bflags=(?:[A-Z_]+\()?(\d+)`)
)

func readCallLog(t *testing.T, name string) callLog {
	t.Helper()
	f, err := os.Open(captureFile(name))
	require.NoError(t, err)
	defer f.Close()

	var log callLog
	lastPidFD := map[uint32]int32{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := logParent.FindStringSubmatch(line); m != nil {
			log.parentPID = int32(mustAtoi(t, m[1]))
			continue
		}
		m := logCall.FindStringSubmatch(line)
		require.NotNil(t, m, "call log line not understood: %q", line)
		var uid uint32
		if m[1] != "" {
			uid = uint32(mustAtoi(t, m[1]))
		}
		rc, errno := mustAtoi(t, m[4]), mustAtoi(t, m[5])
		if m[2] == "pidfd_open" {
			lastPidFD[uid] = int32(rc)
			continue
		}
		call := loggedCall{
			line:     line,
			uid:      uid,
			pidfd:    lastPidFD[uid],
			infoNull: !strings.Contains(m[3], "info{"),
		}
		sig := logSig.FindStringSubmatch(m[3])
		require.NotNil(t, sig, "no sig in %q", line)
		call.sig = sig[1]
		if fl := logFlags.FindStringSubmatch(m[3]); fl != nil {
			call.flags = events.Flags(mustAtoi(t, fl[1]))
		}
		if rc < 0 {
			call.errno = syscall.Errno(errno)
		}
		log.calls = append(log.calls, call)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, log.calls)
	return log
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

// readLegacyCapture decodes Tracee v0.24.1's JSON lines the way a consumer
// of `tracee --output json` does: json.Unmarshal into trace.Event, whose
// Argument.UnmarshalJSON types the values by their "type" field.
func readLegacyCapture(t *testing.T, name string) []trace.Event {
	t.Helper()
	f, err := os.Open(captureFile(name))
	require.NoError(t, err)
	defer f.Close()

	var evs []trace.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev trace.Event
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev), "line %d", len(evs)+1)
		evs = append(evs, ev)
	}
	require.NoError(t, sc.Err())
	return evs
}

// protoStyleLine is the part of a main-branch JSON line the parser needs.
// Decoding data values into any gives the shapes a generic JSON consumer
// sees: float64 for int32 and u_int32, strings for pointer and int64.
type protoStyleLine struct {
	Name     string `json:"name"`
	Workload struct {
		Process struct {
			Executable struct {
				Path string `json:"path"`
			} `json:"executable"`
			UniqueID uint32 `json:"unique_id"`
			HostPID  int    `json:"host_pid"`
			PID      int    `json:"pid"`
			RealUser struct {
				ID int `json:"id"`
			} `json:"real_user"`
			Thread struct {
				Name    string `json:"name"`
				HostTID int    `json:"host_tid"`
				TID     int    `json:"tid"`
			} `json:"thread"`
		} `json:"process"`
	} `json:"workload"`
	Data []map[string]any `json:"data"`
}

// readProtoStyleCapture decodes the main branch's protobuf-style JSON lines
// into trace.Events by hand, keeping each data value in its JSON shape.
func readProtoStyleCapture(t *testing.T, name string) []trace.Event {
	t.Helper()
	f, err := os.Open(captureFile(name))
	require.NoError(t, err)
	defer f.Close()

	var evs []trace.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line protoStyleLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "line %d", len(evs)+1)
		p := &line.Workload.Process
		ev := trace.Event{
			EventName:       line.Name,
			HostProcessID:   p.HostPID,
			ProcessID:       p.PID,
			HostThreadID:    p.Thread.HostTID,
			ThreadID:        p.Thread.TID,
			UserID:          p.RealUser.ID,
			ProcessName:     p.Thread.Name,
			Executable:      trace.File{Path: p.Executable.Path},
			ProcessEntityId: p.UniqueID,
		}
		for _, d := range line.Data {
			require.Len(t, d, 2, "a data entry holds a name and one value: %v", d)
			a := trace.Argument{ArgMeta: trace.ArgMeta{Name: d["name"].(string)}}
			for k, v := range d {
				if k != "name" {
					a.Type, a.Value = k, v
				}
			}
			ev.Args = append(ev.Args, a)
		}
		ev.ArgsNum = len(ev.Args)
		evs = append(evs, ev)
	}
	require.NoError(t, sc.Err())
	return evs
}

// readCaptureWithReader decodes a capture with the project's capture.Reader.
func readCaptureWithReader(t *testing.T, name string) []trace.Event {
	t.Helper()
	f, err := os.Open(captureFile(name))
	require.NoError(t, err)
	defer f.Close()

	var evs []trace.Event
	r := capture.NewReader(f)
	for {
		var ev trace.Event
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		evs = append(evs, ev)
	}
	return evs
}

// sendSignalCalls parses every pidfd_send_signal event of evs.
func sendSignalCalls(t *testing.T, evs []trace.Event) []events.SendSignal {
	t.Helper()
	var calls []events.SendSignal
	for i := range evs {
		if evs[i].EventName != events.EventPidfdSendSignal {
			continue
		}
		call, err := events.ParseSendSignal(&evs[i])
		require.NoError(t, err, "event %d", i)
		calls = append(calls, call)
	}
	return calls
}

// checkAgainstCallLog compares each decoded call with the line the trigger
// logged for it, in order.
func checkAgainstCallLog(t *testing.T, calls []events.SendSignal, log callLog) {
	require.Len(t, calls, len(log.calls), "one pidfd_send_signal event per logged call")
	for i, want := range log.calls {
		got := calls[i]
		t.Run(strings.Join(strings.Fields(want.line), " "), func(t *testing.T) {
			wantSig := want.sig
			if wantSig == "0" {
				wantSig = "SIG0"
			}
			assert.Equal(t, wantSig, got.Signal.String(), "signal")
			assert.Equal(t, want.pidfd, int32(got.PidFD), "pidfd is the one pidfd_open returned")
			assert.Equal(t, want.flags, got.Flags, "flags")
			assert.Equal(t, want.infoNull, got.Info.IsNull(), "info NULL")
			assert.Equal(t, want.uid, got.Sender.UID, "sender uid")
			if want.uid == 0 {
				assert.Equal(t, log.parentPID, got.Sender.HostPID, "the parent sent it")
			}
			if want.errno == 0 {
				assert.True(t, got.Result.OK(), "call succeeded: %v", got.Result)
				assert.Equal(t, events.Result(0), got.Result)
			} else {
				assert.True(t, got.Result.Is(want.errno), "call failed with %v, got %v", want.errno, got.Result)
				assert.Equal(t, events.ErrnoName(want.errno), got.Result.ErrnoName())
			}
		})
	}
}

func TestLegacyCaptureMatchesCallLog(t *testing.T) {
	calls := sendSignalCalls(t, readLegacyCapture(t, legacyCapture))
	checkAgainstCallLog(t, calls, readCallLog(t, legacyCallLog))
}

func TestProtoStyleCaptureMatchesCallLog(t *testing.T) {
	calls := sendSignalCalls(t, readProtoStyleCapture(t, protoCapture))
	checkAgainstCallLog(t, calls, readCallLog(t, protoCallLog))
}

func TestCaptureReaderEventsMatchCallLog(t *testing.T) {
	for _, c := range []struct{ capture, log string }{
		{legacyCapture, legacyCallLog},
		{protoCapture, protoCallLog},
	} {
		t.Run(c.capture, func(t *testing.T) {
			calls := sendSignalCalls(t, readCaptureWithReader(t, c.capture))
			checkAgainstCallLog(t, calls, readCallLog(t, c.log))
		})
	}
}

func TestProtoStyleCaptureCarriesJSONShapes(t *testing.T) {
	evs := readProtoStyleCapture(t, protoCapture)
	i := slices.IndexFunc(evs, func(ev trace.Event) bool { return ev.EventName == events.EventPidfdSendSignal })
	require.GreaterOrEqual(t, i, 0)
	ev := &evs[i]

	valueOf := func(name string) any {
		v, ok := events.Arg(ev, name)
		require.True(t, ok, "argument %s", name)
		return v
	}
	assert.IsType(t, float64(0), valueOf(events.ArgPidFD), "int32 data arrives as a JSON number")
	assert.IsType(t, float64(0), valueOf(events.ArgFlags), "u_int32 data arrives as a JSON number")
	assert.IsType(t, "", valueOf(events.ArgInfo), "pointer data arrives as a string")
	assert.IsType(t, "", valueOf(events.ReturnValueField), "int64 data arrives as a string")
	assert.Zero(t, ev.ReturnValue, "only the returnValue argument carries the result")
}

// TestCapturedCalls spells out the calls of the captures that matter most to
// a detector; both Tracee versions recorded the same program.
func TestCapturedCalls(t *testing.T) {
	captures := map[string][]events.SendSignal{
		legacyCapture: sendSignalCalls(t, readLegacyCapture(t, legacyCapture)),
		protoCapture:  sendSignalCalls(t, readProtoStyleCapture(t, protoCapture)),
	}
	tests := []struct {
		name  string
		index int // among the capture's pidfd_send_signal events
		check func(t *testing.T, call events.SendSignal)
	}{
		{"a plain SIGUSR1 through a pidfd succeeds with NULL info", 0, func(t *testing.T, c events.SendSignal) {
			assert.Equal(t, events.SIGUSR1, c.Signal)
			assert.True(t, c.Info.IsNull())
			assert.Equal(t, events.ScopeFromPidFD, c.Scope())
			assert.True(t, c.Delivered())
		}},
		{"the signal 0 probe succeeds and delivers nothing", 1, func(t *testing.T, c events.SendSignal) {
			assert.True(t, c.Signal.IsProbe())
			assert.True(t, c.Result.OK())
			assert.False(t, c.Delivered())
		}},
		{"a process-group SIGUSR2 succeeds with the process-group scope", 2, func(t *testing.T, c events.SendSignal) {
			assert.Equal(t, events.SIGUSR2, c.Signal)
			assert.Equal(t, events.ScopeProcessGroup, c.Scope())
			assert.True(t, c.Result.OK())
		}},
		{"flags 8 are an unknown bit refused with EINVAL", 3, func(t *testing.T, c events.SendSignal) {
			assert.Equal(t, events.Flags(8), c.Flags.Unknown())
			assert.False(t, c.Flags.Valid())
			assert.Equal(t, events.ScopeInvalid, c.Scope())
			assert.True(t, c.Result.Is(events.EINVAL))
		}},
		{"a SI_QUEUE siginfo succeeds with a non-NULL info", 4, func(t *testing.T, c events.SendSignal) {
			assert.False(t, c.Info.IsNull())
			assert.True(t, c.Result.OK())
		}},
		{"a forged si_code 0 siginfo is refused with EPERM", 5, func(t *testing.T, c events.SendSignal) {
			assert.False(t, c.Info.IsNull())
			assert.True(t, c.Result.Is(events.EPERM))
			assert.Equal(t, "EPERM", c.Result.String())
		}},
		{"an unprivileged sender is refused with EPERM", 6, func(t *testing.T, c events.SendSignal) {
			assert.Equal(t, uint32(65534), c.Sender.UID)
			assert.Equal(t, events.PidFD(4), c.PidFD)
			assert.True(t, c.Result.Is(events.EPERM))
		}},
		{"the cleanup SIGKILL succeeds", 7, func(t *testing.T, c events.SendSignal) {
			assert.Equal(t, events.SIGKILL, c.Signal)
			assert.False(t, c.Signal.Catchable())
			assert.True(t, c.Delivered())
		}},
		{"a signal to the exited child fails with ESRCH", 8, func(t *testing.T, c events.SendSignal) {
			assert.True(t, c.Result.Is(events.ESRCH))
			assert.Equal(t, "ESRCH", c.Result.ErrnoName())
		}},
	}
	for name, calls := range captures {
		require.Len(t, calls, len(tests), name)
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				tt.check(t, calls[tt.index])
			})
		}
	}
}

func TestCapturedSendersComeFromTheContext(t *testing.T) {
	legacy := sendSignalCalls(t, readLegacyCapture(t, legacyCapture))
	proto := sendSignalCalls(t, readProtoStyleCapture(t, protoCapture))

	assert.Equal(t, events.Process{
		HostPID: 32234, HostTID: 32234, PID: 32234, TID: 32234, HostParentPID: 32218,
		UID: 0, PidNS: 4026531836, MountNS: 4026531832, Comm: "pidfd-trigger",
		EntityID: 2415554493, ThreadEntity: 2415554493, ParentEntity: 3739737205,
	}, legacy[0].Sender, "v0.24.1 sender")

	assert.Equal(t, events.Process{
		HostPID: 19483, HostTID: 19483, PID: 19483, TID: 19483, UID: 0,
		Comm: "pidfd-trigger", Exe: "/usr/local/bin/pidfd-trigger",
		EntityID: 4079304933,
	}, proto[0].Sender, "main-branch sender")
}
