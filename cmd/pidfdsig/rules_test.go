package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
)

const (
	userRules        = "../../rego/testdata/rules/user"
	unplannableRules = "../../rego/testdata/rules/unplannable"
)

// brokenRulesDir returns a new directory holding one rule, bad.rego, that
// does not parse.
func brokenRulesDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.rego"), []byte("package tracee.BAD\n\ntracee_match if {\n"), 0o644))
	return dir
}

func TestRulesCommand(t *testing.T) {
	broken := brokenRulesDir(t)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantRows   []string // "ID ENGINE", in order
		wantStderr string
	}{
		{"the built-in rules, planned", nil, exitOK,
			[]string{"PFD-1 plan", "PFD-2 plan", "PFD-3 plan", "PFD-4 plan", "PFD-5 plan", "PFD-6 plan"}, ""},
		{"custom rules only", []string{"-no-builtin", "-rules", userRules}, exitOK, []string{"USER-1 plan"}, ""},
		{"OPA's evaluator on request", []string{"-no-builtin", "-rules", userRules, "-rego-engine", "topdown"}, exitOK,
			[]string{"USER-1 topdown"}, ""},
		{"a rule OPA cannot plan is listed and reported", []string{"-no-builtin", "-rules", unplannableRules, "-rules", userRules}, exitOK,
			[]string{"SLASH-1 topdown", "USER-1 plan"}, "rule SLASH-1"},
		{"-require-plan fails on it", []string{"-no-builtin", "-rules", unplannableRules, "-require-plan"}, exitFindings,
			[]string{"SLASH-1 topdown"}, "runs on OPA's evaluator"},
		{"a rule that does not load fails", []string{"-no-builtin", "-rules", broken, "-rules", userRules}, exitError,
			[]string{"USER-1 plan"}, "bad.rego:"},
		{"a bad engine is an error", []string{"-rego-engine", "wasm"}, exitError, nil, `rego engine "wasm"`},
		{"arguments are refused", []string{"file.jsonl"}, exitError, nil, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(rego.EnvRuleDirs, "")
			t.Setenv(rego.EnvEngine, "")
			code, out, stderr := runCmd(t, "", append([]string{"rules"}, tt.args...)...)
			assert.Equal(t, tt.wantCode, code, stderr)
			if tt.wantStderr != "" {
				assert.Contains(t, stderr, tt.wantStderr)
			}
			if tt.wantRows == nil {
				return
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.NotEmpty(t, lines)
			assert.Equal(t, []string{"ID", "EVENT", "ENGINE", "SELECTS", "FILE"}, strings.Fields(lines[0]))
			var rows []string
			for _, l := range lines[1:] {
				f := strings.Fields(l)
				require.Len(t, f, 5, l)
				assert.Equal(t, "pidfd_send_signal", f[3], l)
				rows = append(rows, f[0]+" "+f[2])
			}
			assert.Equal(t, tt.wantRows, rows)
		})
	}
}
