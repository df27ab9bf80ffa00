package main

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
)

func TestRulesJSON(t *testing.T) {
	broken := brokenRulesDir(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []ruleEntry
		wantErrs []string // file:line of each load error
	}{
		{"a custom rule: its path, not embedded", []string{"-no-builtin", "-rules", userRules}, exitOK,
			[]ruleEntry{{ID: "USER-1", EventName: "pidfd_sigusr1", Name: "SIGUSR1 through a pidfd", Version: "1", Engine: "plan",
				Selects: []string{"pidfd_send_signal"}, File: userRules + "/sigusr1.rego"}}, nil},
		{"a rule OPA cannot plan says topdown", []string{"-no-builtin", "-rules", unplannableRules}, exitOK, nil, nil},
		{"a rule that does not load is a load error with its line", []string{"-no-builtin", "-rules", broken}, exitError,
			[]ruleEntry{}, []string{filepath.Join(broken, "bad.rego") + ":4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(rego.EnvRuleDirs, "")
			code, out, stderr := runCmd(t, "", append([]string{"rules", "-o", "json"}, tt.args...)...)
			require.Equal(t, tt.wantCode, code, stderr)
			var got rulesList
			require.NoError(t, json.Unmarshal([]byte(out), &got), out)
			if tt.want != nil {
				assert.Equal(t, tt.want, got.Rules)
			} else {
				require.Len(t, got.Rules, 1)
				assert.Equal(t, rego.EngineTopdown, got.Rules[0].Engine)
			}
			var errs []string
			for _, le := range got.LoadErrors {
				errs = append(errs, le.File+":"+strconv.Itoa(le.Line))
				assert.NotEmpty(t, le.Message)
			}
			assert.Equal(t, tt.wantErrs, errs)
		})
	}
}

// TestRulesMarksBuiltinRulesEmbedded: the built-in rules are compiled
// into the binary; their file is not a path to look for.
func TestRulesMarksBuiltinRulesEmbedded(t *testing.T) {
	t.Setenv(rego.EnvRuleDirs, "")
	code, out, stderr := runCmd(t, "", "rules", "-o", "json", "-rules", userRules)
	require.Equal(t, exitOK, code, stderr)
	var got rulesList
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Len(t, got.Rules, 7)
	for _, r := range got.Rules {
		builtin := strings.HasPrefix(r.ID, "PFD-")
		assert.Equal(t, builtin, r.Embedded, r.ID)
		if builtin {
			assert.Regexp(t, `^rules/pfd\d_\w+\.rego$`, r.File, "the name inside the binary")
		}
	}

	code, out, stderr = runCmd(t, "", "rules", "-rules", userRules)
	require.Equal(t, exitOK, code, stderr)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		f := strings.Fields(line)
		require.Len(t, f, 5, line)
		if strings.HasPrefix(f[0], "PFD-") {
			assert.Regexp(t, `^embedded:rules/pfd\d_\w+\.rego$`, f[4])
		} else {
			assert.Equal(t, userRules+"/sigusr1.rego", f[4])
		}
	}
}

func TestRulesRefusesAnUnknownOutputFormat(t *testing.T) {
	code, out, stderr := runCmd(t, "", "rules", "-o", "yaml")
	assert.Equal(t, exitError, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, `output format "yaml"`)
}

// TestTestRuleFileNamedDirectlyIsSkipped: a *_test.rego file given with
// -rules is skipped with a note, as in a directory, not loaded as a rule.
func TestTestRuleFileNamedDirectlyIsSkipped(t *testing.T) {
	const testFile = "../../rego/rules/pfd1_cross_user_signal_test.rego"
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"rules", []string{"rules", "-no-builtin", "-rules", testFile, "-rules", userRules}, exitOK, "USER-1"},
		{"scan", []string{"scan", "-signatures", "USER-1", "-rules", testFile, "-rules", userRules, legacySample}, exitFindings, "USER-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(rego.EnvRuleDirs, "")
			code, out, stderr := runCmd(t, "", tt.args...)
			require.Equal(t, tt.wantCode, code, stderr)
			assert.Contains(t, out, tt.wantOut)
			assert.Contains(t, stderr, "note: "+testFile+" skipped: *_test.rego files are tests")
			assert.NotContains(t, stderr, "does not compile")
			assert.NotContains(t, stderr, "not loaded")
		})
	}
}
