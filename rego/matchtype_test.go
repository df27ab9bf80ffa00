package rego_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
)

// TestMatchOfTheWrongTypeIsRefused: a tracee_match that can only be a
// number, string, array, set or null never fires; it is refused at load at
// its line, and a match that can be true or an object loads.
func TestMatchOfTheWrongTypeIsRefused(t *testing.T) {
	tests := []struct {
		name    string
		match   string
		refused string // "" when the rule loads
	}{
		{"a number", "tracee_match := 1", "tracee_match is a number"},
		{"a computed number", "tracee_match := count(input.args)", "tracee_match is a number"},
		{"a string", `tracee_match := "yes"`, "tracee_match is a string"},
		{"an array", "tracee_match := [input.eventName]", "tracee_match is an array"},
		{"a set", "tracee_match contains input.eventName", "tracee_match is a set"},
		{"null", "tracee_match := null", "tracee_match is null"},
		{"true", "tracee_match if input.eventName == \"pidfd_send_signal\"", ""},
		{"an object", "tracee_match := {\"e\": input.eventName}", ""},
		{"false by default, else an object", "default tracee_match := false\n\ntracee_match := {\"e\": input.eventName} if input.args", ""},
		{"a value the checker cannot type", "tracee_match := x if x := input.args[0].value", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRules(t, map[string]string{"m.rego": userRule("tracee.M", "M-1", tt.match)})
			for _, engine := range [][]rego.Option{nil, {rego.WithTopdown()}} {
				rt, err := rego.New(append(engine, patient, rego.WithRuleDirs(dir), rego.WithoutEnvironment(), rego.WithoutBuiltinRules())...)
				require.NoError(t, err)
				if tt.refused == "" {
					assert.Empty(t, rt.LoadErrors())
					assert.Equal(t, []string{"M-1"}, ids(t, rt))
					continue
				}
				assert.Empty(t, ids(t, rt))
				require.Len(t, rt.LoadErrors(), 1)
				e := rt.LoadErrors()[0]
				assert.ErrorIs(t, e, rego.ErrRuleContract)
				assert.Equal(t, filepath.Join(dir, "m.rego"), e.File)
				assert.Equal(t, 7, e.Line, "the line of tracee_match")
				assert.Contains(t, e.Error(), tt.refused)
			}
		})
	}
}
