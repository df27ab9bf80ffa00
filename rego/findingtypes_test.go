package rego_test

import (
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pidfdsig/pidfdsig/rego"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// traceeMainConverts reports whether Tracee main (7c9ec97,
// pkg/events/conversion.go: fillEventValue, parseArgument, convertToStruct)
// converts a finding data value into its protobuf event: one of the Go
// types it converts as they are, or a detect.FindingDataStruct whose ToMap
// structpb.NewStruct accepts. A plain map is refused here although main's
// parseArgument takes one: v0.24.1's gRPC conversion does not.
func traceeMainConverts(v any) error {
	switch v.(type) {
	case nil, int, int32, int64, uint8, uint16, uint32, uint64, bool, string, float64,
		[]string, []byte, []uint64, trace.Pointer:
		return nil
	}
	s, ok := v.(detect.FindingDataStruct)
	if !ok {
		return fmt.Errorf("Tracee cannot convert a %T", v)
	}
	m := s.ToMap()
	if m == nil {
		return fmt.Errorf("%T.ToMap is nil: Tracee drops it", v)
	}
	if _, err := structpb.NewStruct(m); err != nil {
		return fmt.Errorf("structpb refuses %T.ToMap: %w", v, err)
	}
	return nil
}

// policyType reports whether v, at any depth, has one of the types of
// finding data (signatures.DataObject's doc): every integer an int64 (a
// uint64 only above MaxInt64), lists []string or DataList, objects
// DataObject.
func policyType(v any) error {
	switch x := v.(type) {
	case nil, bool, string, int64, float64, []string:
		return nil
	case uint64:
		if x <= math.MaxInt64 {
			return fmt.Errorf("uint64 %d fits an int64", x)
		}
		return nil
	case signatures.DataObject:
		for k, e := range x {
			if err := policyType(e); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		return nil
	case signatures.DataList:
		allStrings := true
		for i, e := range x {
			if err := policyType(e); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
			_, isString := e.(string)
			allStrings = allStrings && isString
		}
		if allStrings {
			return fmt.Errorf("a DataList of strings, not a []string")
		}
		return nil
	}
	return fmt.Errorf("%T is not a type of finding data", v)
}

// dataTypes maps each value of data, at any depth, to its Go type's name:
// what parity compares so that Go and Rego give the same types for the
// same keys, not only the same JSON.
func dataTypes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = dataTypes(e)
		}
		return out
	case signatures.DataObject:
		return map[string]any{"DataObject": dataTypes(map[string]any(x))}
	case signatures.DataList:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = dataTypes(e)
		}
		return map[string]any{"DataList": out}
	default:
		return fmt.Sprintf("%T", v)
	}
}

// Every finding of every scenario, from the Go signatures and the Rego
// rules on both engines, carries data Tracee main converts whole, in the
// types of finding data; TestParityScenarios holds the two sides' types
// (outcome.DataTypes) and values equal.
func TestFindingDataTraceeConvertsInEveryScenario(t *testing.T) {
	files, _ := filepath.Glob("../testdata/scenarios/*.jsonl")
	samples, _ := filepath.Glob("../testdata/tracee-samples/*.jsonl")
	files = append(files, samples...)
	require.NotEmpty(t, files)
	seen := map[string]bool{} // signature ids with findings
	for _, eng := range engines {
		for _, file := range files {
			t.Run(eng.name+"/"+filepath.Base(file), func(t *testing.T) {
				evs := readEvents(t, file)
				s := newSides(t, scenarioConfig(t, file), target.NewTracker(), target.NewTracker(), eng.name, eng.opts...)
				for i, ev := range evs {
					s.feed(t, i, ev)
				}
				for side, c := range map[string]*collector{"go": &s.goOut, "rego": &s.regoOut} {
					for i, data := range c.data {
						id := c.list[i].ID
						seen[id] = true
						for _, k := range slices.Sorted(maps.Keys(data)) {
							assert.NoError(t, traceeMainConverts(data[k]), "%s %s finding %d, key %q", side, id, i, k)
							assert.NoError(t, policyType(data[k]), "%s %s finding %d, key %q", side, id, i, k)
						}
					}
				}
				s.requireSame(t, evs)
			})
		}
	}
	for _, id := range []string{signatures.IDCrossUserSignal, signatures.IDUnusualFlags, signatures.IDForgedSiginfo,
		signatures.IDSignalProbe, signatures.IDSecurityToolKill, signatures.IDContainerEscapeSignal} {
		assert.True(t, seen[id], "no scenario finding of %s: the walk must cover every signature", id)
	}
}

// A user rule's tracee_match object reaches Go in the types of finding
// data, whatever Rego values it holds, on both engines.
func TestUserRuleFindingDataTypes(t *testing.T) {
	tests := []struct {
		name  string
		value string // Rego expression of the data value "v"
		want  any
	}{
		{"an integer", "input.pidfdsig.call.sig", int64(9)},
		{"a negative integer", "-22", int64(-22)},
		{"an integer above MaxInt64", "18446744073709551615", uint64(math.MaxUint64)},
		{"a float", "1.5", 1.5},
		{"null", "null", nil},
		{"a boolean", "input.pidfdsig.call.multiple_scopes", false},
		{"an array of strings", `["b", "a"]`, []string{"b", "a"}},
		{"an empty array", "[]", []string{}},
		{"a set of strings, in Rego's order", `{"b", "a"}`, []string{"a", "b"}},
		{"an array of numbers", "[1, input.pidfdsig.call.sig]", signatures.DataList{int64(1), int64(9)}},
		{"the call's flag names", "input.pidfdsig.call.flag_names", []string{}},
		{"the sender, an object", "input.pidfdsig.call.sender",
			signatures.DataObject{"host_pid": int64(2000), "pid": int64(2000), "uid": int64(1000),
				"comm": "bash", "exe": "/usr/bin/bash", "container_id": ""}},
		{"nested arrays and objects", `{"a": [{"b": [1, "x"]}], "c": {"d": 2}}`,
			signatures.DataObject{
				"a": signatures.DataList{signatures.DataObject{"b": signatures.DataList{int64(1), "x"}}},
				"c": signatures.DataObject{"d": int64(2)},
			}},
	}
	ev := sendEvent(procs[0], 3, 9, 0, 0, 0, 1)
	for _, eng := range engines {
		for _, tt := range tests {
			t.Run(eng.name+"/"+tt.name, func(t *testing.T) {
				rule := userRule("tracee.T", "T-1", "tracee_match := {\"v\": "+tt.value+"} if input.pidfdsig")
				var log recordingLogger
				opts := append([]rego.Option{patient, rego.WithRuleDirs(writeRules(t, map[string]string{"r.rego": rule})),
					rego.WithoutEnvironment(), rego.WithoutBuiltinRules(), rego.WithLogger(&log),
					rego.WithResolver(&fixedResolver{})}, eng.opts...)
				rt, err := rego.New(opts...)
				require.NoError(t, err)
				require.Empty(t, rt.LoadErrors())
				require.Equal(t, eng.name, rt.Rules()[0].Engine())
				out := runRules(t, rt, ev)
				require.Len(t, out, 1, log.text())
				got := out[0].Data["v"]
				assert.Equal(t, tt.want, got) // reflect.DeepEqual: types included
				assert.NoError(t, traceeMainConverts(got))
				assert.NoError(t, policyType(got))
			})
		}
	}
}

// The same value from both engines and from Go: info above MaxInt64 (a
// kernel address passed as siginfo) is a uint64 everywhere, exactly.
func TestLargeInfoIsExactOnEverySide(t *testing.T) {
	info := uint64(0xffff888000001234)
	ev := sendEvent(procs[1], 3, 10, info, 0, -1, 1) // EPERM for a target of the sender's uid
	for _, eng := range engines {
		t.Run(eng.name, func(t *testing.T) {
			res := &fixedResolver{t: target.Target{Source: target.SourceTracked, HostPID: 2600, PID: 2600,
				UIDKnown: true, UID: uint32(procs[1].uid), Comm: "peer", PidNS: hostPidNS}}
			s := newSides(t, signatures.DefaultConfig(), res, res, eng.name, eng.opts...)
			s.feed(t, 0, ev)
			require.NotEmpty(t, s.goOut.data, "PFD-3 reports a forged siginfo")
			require.Len(t, s.regoOut.data, len(s.goOut.data))
			for i := range s.goOut.data {
				assert.Equal(t, info, s.goOut.data[i]["info"], "go, "+strconv.Itoa(i))
				assert.Equal(t, info, s.regoOut.data[i]["info"], "rego, "+strconv.Itoa(i))
			}
			s.requireSame(t, []trace.Event{ev})
		})
	}
}
