package rego

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/open-policy-agent/opa/v1/ast"
	opa "github.com/open-policy-agent/opa/v1/rego"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

// viaJSON is what Tracee's old engine gave rules: the event through
// encoding/json.
func viaJSON(t *testing.T, v any) ast.Value {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	val, err := ast.ValueFromReader(bytes.NewReader(b))
	require.NoError(t, err)
	return val
}

func sampleEvents(t *testing.T) []trace.Event {
	t.Helper()
	files, err := filepath.Glob("../testdata/tracee-samples/*.jsonl")
	require.NoError(t, err)
	var evs []trace.Event
	for _, file := range files {
		f, err := os.Open(file)
		require.NoError(t, err)
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
		f.Close()
	}
	require.NotEmpty(t, evs)
	return evs
}

// The input built without JSON equals the JSON of the trace.Event, for
// the real captures and for every field shape Tracee can produce.
func TestInputIsTheJSONOfTheEvent(t *testing.T) {
	evs := sampleEvents(t)
	odd := trace.Event{
		Timestamp: math.MaxInt64, CgroupID: math.MaxUint64, EventID: 1234, EventName: "odd",
		Container:       trace.Container{ID: "c", Name: "n", ImageName: "i", ImageDigest: "d"},
		Kubernetes:      trace.Kubernetes{PodName: "p", PodNamespace: "ns", PodUID: "u", PodSandbox: true},
		MatchedPolicies: []string{"a", "b"}, StackAddresses: []uint64{1, math.MaxUint64},
		ContextFlags:   trace.ContextFlags{ContainerStarted: true, IsCompat: true},
		ThreadEntityId: math.MaxUint32, ReturnValue: -22,
		Metadata: &trace.Metadata{Version: "1", Tags: []string{"x"}, Properties: map[string]any{"k": 1.5}},
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "nil"}, Value: nil},
			{ArgMeta: trace.ArgMeta{Name: "i64"}, Value: int64(math.MinInt64)},
			{ArgMeta: trace.ArgMeta{Name: "u64"}, Value: uint64(math.MaxUint64)},
			{ArgMeta: trace.ArgMeta{Name: "u32"}, Value: uint32(math.MaxUint32)},
			{ArgMeta: trace.ArgMeta{Name: "ptr"}, Value: trace.Pointer(math.MaxUint64)},
			{ArgMeta: trace.ArgMeta{Name: "int"}, Value: -7},
			{ArgMeta: trace.ArgMeta{Name: "u16"}, Value: uint16(65535)},
			{ArgMeta: trace.ArgMeta{Name: "u8"}, Value: uint8(255)},
			{ArgMeta: trace.ArgMeta{Name: "i16"}, Value: int16(-3)},
			{ArgMeta: trace.ArgMeta{Name: "i8"}, Value: int8(-4)},
			{ArgMeta: trace.ArgMeta{Name: "bool"}, Value: true},
			{ArgMeta: trace.ArgMeta{Name: "str"}, Value: "x\"y"},
			{ArgMeta: trace.ArgMeta{Name: "strs"}, Value: []string{"a", ""}},
			{ArgMeta: trace.ArgMeta{Name: "bytes"}, Value: []byte{0x7f, 'E', 'L', 'F'}},
			{ArgMeta: trace.ArgMeta{Name: "num"}, Value: json.Number("12")},
			{ArgMeta: trace.ArgMeta{Name: "float"}, Value: 2.5},
			{ArgMeta: trace.ArgMeta{Name: "map"}, Value: map[string]string{"sa_family": "AF_UNIX"}},
			{ArgMeta: trace.ArgMeta{Name: "pair"}, Value: [2]int32{3, 4}},
		},
	}
	evs = append(evs, odd, trace.Event{})
	for i := range evs {
		requireSameValue(t, viaJSON(t, evs[i]), inputValue(&evs[i], nil), "event %d (%s)", i, evs[i].EventName)
	}
}

func TestValuesJSONRefusesBecomeNull(t *testing.T) {
	require.Equal(t, ast.InternedNullTerm, valueTerm(math.NaN()))
	require.Equal(t, ast.InternedNullTerm, valueTerm(make(chan int)))
}

// input.pidfdsig.call is events.Record's JSON and input.pidfdsig.target is
// target.Record's JSON.
func TestEnrichmentIsTheRecordsJSON(t *testing.T) {
	for _, ev := range sampleEvents(t) {
		if ev.EventName != events.EventPidfdSendSignal {
			continue
		}
		call, err := events.ParseSendSignal(&ev)
		require.NoError(t, err)
		requireSameValue(t, viaJSON(t, call.Record()), callTerm(&call).Value, "call")
	}
	targets := []target.Target{
		{},
		{Reason: "fd not tracked"},
		{Source: target.SourceSelf, IsSender: true, HostPID: 10, PID: 1, UIDKnown: true, UID: 0},
		{Source: target.SourcePidfdInfo, HostPID: 20, HostTID: 21, PID: -1, Thread: true, UIDKnown: true, UID: 1000,
			CredsKnown: true, EUID: 0, SUID: math.MaxUint32, Comm: "c", Exe: "/e", ContainerID: "ct", PidNS: 4026531836, Exited: true},
	}
	for _, tg := range targets {
		requireSameValue(t, viaJSON(t, tg.Record()), targetTerm(&tg).Value, "target %+v", tg)
	}
	enr := enrichmentTerm(&enrichment{parseErr: errors.New("boom")})
	requireSameValue(t, ast.NewObject([2]*ast.Term{ast.StringTerm("error"), ast.StringTerm("boom")}), enr.Value, "error")
}

// evalHelper evaluates a rule of the helper library on input.
func evalHelper(t *testing.T, rule string, input ast.Value) any {
	t.Helper()
	caps := ruleCapabilities()
	loaded, err := load(false, nil, caps)
	require.NoError(t, err)
	rs, err := opa.New(opa.Compiler(loaded.compiler), opa.Query("data.tracee.pidfdsig.helpers."+rule),
		opa.ParsedInput(input)).Eval(context.Background())
	require.NoError(t, err)
	if len(rs) == 0 {
		return nil
	}
	return rs[0].Expressions[0].Value
}

// Without the runtime's enrichment the helpers decode input.args into the
// same record as events.ParseSendSignal, and resolve PIDFD_SELF_* to the
// sender as the resolvers do.
func TestHelpersDecodeArgsLikeTheParser(t *testing.T) {
	var calls []trace.Event
	for _, ev := range sampleEvents(t) {
		if ev.EventName == events.EventPidfdSendSignal {
			calls = append(calls, ev)
		}
	}
	base := calls[0]
	for _, c := range []struct {
		pidfd int32
		sig   int32
		flags uint32
		ret   int
	}{
		{-10000, 0, 0, 0}, {-10001, 64, 1, -3}, {-5, 33, 2, -9}, {3, 99, 7, -22}, {3, -1, 0xfffffff8, -133}, {3, 32, 4, -500},
	} {
		ev := base
		ev.Args = append([]trace.Argument(nil), base.Args...)
		for i := range ev.Args {
			switch ev.Args[i].Name {
			case "pidfd":
				ev.Args[i].Value = c.pidfd
			case "sig":
				ev.Args[i].Value = c.sig
			case "flags":
				ev.Args[i].Value = c.flags
			}
		}
		ev.ReturnValue = c.ret
		ev.Container.ID = "ct"
		calls = append(calls, ev)
	}
	for i := range calls {
		call, err := events.ParseSendSignal(&calls[i])
		require.NoError(t, err)
		input := inputValue(&calls[i], nil)
		got := evalHelper(t, "call", input)
		require.Equal(t, normaliseJSON(t, call.Record()), normaliseJSON(t, got), "event %d", i)

		want := target.Target{Reason: "no target resolution"}
		if call.TargetsSelf() {
			s := call.Sender
			want = target.Target{Source: target.SourceSelf, IsSender: true, HostPID: s.HostPID, PID: s.PID,
				UIDKnown: true, UID: s.UID, Comm: s.Comm, Exe: s.Exe, ContainerID: s.ContainerID, PidNS: s.PidNS}
		}
		require.Equal(t, normaliseJSON(t, want.Record()), normaliseJSON(t, evalHelper(t, "target", input)), "event %d", i)
	}
}

func TestHelpersLeaveUndecodableCallsUndefined(t *testing.T) {
	for name, args := range map[string][]trace.Argument{
		"no arguments":     nil,
		"a missing flags":  {{ArgMeta: trace.ArgMeta{Name: "pidfd"}, Value: int32(3)}, {ArgMeta: trace.ArgMeta{Name: "sig"}, Value: int32(9)}, {ArgMeta: trace.ArgMeta{Name: "info"}, Value: 0}},
		"a non-number sig": {{ArgMeta: trace.ArgMeta{Name: "pidfd"}, Value: int32(3)}, {ArgMeta: trace.ArgMeta{Name: "sig"}, Value: "kill"}, {ArgMeta: trace.ArgMeta{Name: "info"}, Value: 0}, {ArgMeta: trace.ArgMeta{Name: "flags"}, Value: 0}},
		"flags too large":  {{ArgMeta: trace.ArgMeta{Name: "pidfd"}, Value: int32(3)}, {ArgMeta: trace.ArgMeta{Name: "sig"}, Value: 9}, {ArgMeta: trace.ArgMeta{Name: "info"}, Value: 0}, {ArgMeta: trace.ArgMeta{Name: "flags"}, Value: uint64(1 << 33)}},
	} {
		t.Run(name, func(t *testing.T) {
			ev := trace.Event{EventName: events.EventPidfdSendSignal, Args: args}
			_, perr := events.ParseSendSignal(&ev)
			require.Error(t, perr)
			require.Nil(t, evalHelper(t, "call", inputValue(&ev, nil)))
		})
	}
}

func normaliseJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// requireSameValue compares OPA values as Rego does.
func requireSameValue(t *testing.T, want, got ast.Value, msg string, args ...any) {
	t.Helper()
	if ast.Compare(want, got) != 0 {
		t.Fatalf("%s:\nwant %v\ngot  %v", fmt.Sprintf(msg, args...), want, got)
	}
}
