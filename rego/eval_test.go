package rego_test

import (
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
)

// The runtime evaluates a single-definition tracee_match through its body;
// every shape of rule must keep OPA's semantics.
func TestMatchSemantics(t *testing.T) {
	tests := []struct {
		name     string
		match    string
		data     []map[string]any // findings' data, integers int64; nil entries are bare findings
		conflict bool
	}{
		{"a constant value fires once however many solutions", "tracee_match if {\n\tsome x in [1, 2, 3]\n\tx > 0\n}", []map[string]any{nil}, false},
		{"solutions agreeing on the value fire once", "tracee_match := {\"n\": 1} if {\n\tsome x in [1, 2]\n\tx > 0\n}", []map[string]any{{"n": int64(1)}}, false},
		{"solutions disagreeing are a conflict", "tracee_match := {\"n\": x} if {\n\tsome x in [1, 2]\n}", nil, true},
		{"a value computed in the head", "tracee_match := {\"sig\": input.pidfdsig.call.sig + 1} if input.pidfdsig.call.sig > 0", []map[string]any{{"sig": int64(10)}}, false},
		{"false is no finding", "tracee_match := false if input.pidfdsig", nil, false},
		{"undefined is no finding", "tracee_match if input.pidfdsig.call.sig == 0", nil, false},
		{"a default with a rule", "default tracee_match := false\n\ntracee_match := {\"ok\": true} if input.pidfdsig", []map[string]any{{"ok": true}}, false},
		{"an else chain", "tracee_match := {\"b\": 1} if {\n\tinput.pidfdsig.call.sig == 0\n} else := {\"b\": 2}", []map[string]any{{"b": int64(2)}}, false},
		{"a with modifier in the body", "tracee_match := {\"w\": v} if {\n\tv := input.pidfdsig.call.sig with input.pidfdsig.call.sig as 7\n}", []map[string]any{{"w": int64(7)}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRules(t, map[string]string{"r.rego": userRule("tracee.M", "M-1", tt.match)})
			var log recordingLogger
			rt, err := rego.New(patient, rego.WithRuleDirs(dir), rego.WithoutEnvironment(), rego.WithoutBuiltinRules(), rego.WithLogger(&log))
			require.NoError(t, err)
			require.Empty(t, rt.LoadErrors())
			out := runRules(t, rt, sendSignalEvent(9, 0))
			var data []map[string]any
			for _, f := range out {
				data = append(data, f.Data)
			}
			assert.Equal(t, tt.data, data)
			st := rt.Rules()[0].Stats()
			if tt.conflict {
				assert.Equal(t, uint64(1), st.Errors)
				assert.Contains(t, log.text(), "eval_conflict_error")
			} else {
				assert.Zero(t, st.Errors, log.text())
			}
		})
	}
}

// The runtime builds only the input fields its rules can read: a user rule
// reading any field, by name or through the whole input, still finds it.
func TestUserRulesReadEveryInputField(t *testing.T) {
	ev := sendSignalEvent(9, 0)
	ev.HostName = "host-1"
	ev.Args = append(ev.Args, trace.Argument{ArgMeta: trace.ArgMeta{Name: "extra", Type: "const char*"}, Value: "x"})
	tests := map[string]string{
		"by name":                  `tracee_match := {"v": input.hostName}`,
		"through object.get":       `tracee_match := {"v": object.get(input, "hostName", "none")}`,
		"through a dynamic key":    "tracee_match := {\"v\": input[k]} if {\n\tsome k in [\"hostName\"]\n}",
		"from a library":           "import data.lib\n\ntracee_match := {\"v\": lib.host}",
		"arguments, by old helper": "import data.tracee.helpers\n\ntracee_match := {\"v\": helpers.get_tracee_argument(\"extra\")}",
		"after replacing input.pidfdsig": `tracee_match := {"v": v} if {
	v := data.tracee.pidfdsig.helpers.call.sender.comm with input.pidfdsig as false
}`,
	}
	want := map[string]any{
		"by name": "host-1", "through object.get": "host-1", "through a dynamic key": "host-1", "from a library": "host-1",
		"arguments, by old helper": "x", "after replacing input.pidfdsig": "x",
	}
	for name, match := range tests {
		t.Run(name, func(t *testing.T) {
			files := map[string]string{"r.rego": userRule("tracee.F", "F-1", match)}
			files["lib.rego"] = "package lib\n\nhost := input.hostName\n"
			rt, err := rego.New(patient, rego.WithRuleDirs(writeRules(t, files)), rego.WithoutEnvironment())
			require.NoError(t, err)
			require.Empty(t, rt.LoadErrors())
			var got []any
			for _, f := range runRules(t, rt, ev) {
				if f.SigMetadata.ID == "F-1" {
					got = append(got, f.Data["v"])
				}
			}
			assert.Equal(t, []any{want[name]}, got)
		})
	}
}
