package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
)

// TestExitStatusSaysErrorBeforeFindings: an error (status 2) is never
// hidden behind the findings status (1) or success (0), and the summary
// says why the status is 2.
func TestExitStatusSaysErrorBeforeFindings(t *testing.T) {
	benign, err := readLine(legacySample, 2)
	require.NoError(t, err)
	dir := t.TempDir()
	broken := brokenRulesDir(t)
	missing := filepath.Join(dir, "missing.jsonl")
	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		wantErr  string // substring of stderr
	}{
		{"findings alone give 1", []string{"scan", legacySample}, "", exitFindings, "3 findings"},
		{"no findings give 0", []string{"scan", "-"}, benign, exitOK, "0 findings"},
		{"a missing input beside a good one gives 2, not 1", []string{"scan", legacySample, missing}, "", exitError,
			"exit status 2: 1 input could not be read"},
		{"a directory as input gives 2", []string{"scan", dir}, "", exitError, "exit status 2: 1 input could not be read"},
		{"a missing input beside a benign stdin gives 2, not 0", []string{"scan", "-", missing}, benign, exitError,
			"exit status 2: 1 input could not be read"},
		{"two missing inputs are counted", []string{"scan", missing, missing}, "", exitError, "2 inputs could not be read"},
		{"an unknown flag gives 2", []string{"scan", "-no-such-flag", legacySample}, "", exitError, "-no-such-flag"},
		{"a missing rules directory gives 2 before scanning", []string{"scan", "-rules", "/nonexistent", legacySample}, "", exitError,
			"rules path /nonexistent does not exist"},
		{"a rule that does not load gives 2 after scanning", []string{"scan", "-rules", broken, legacySample}, "", exitError,
			"exit status 2: 1 rule error (rules not loaded)"},
		{"nothing but bad lines gives 2", []string{"scan"}, "not json\n", exitError, "no line of the input was an event"},
		{"parse: a missing input gives 2", []string{"parse", legacySample, missing}, "", exitError,
			"exit status 2: 1 input could not be read"},
		{"parse: good inputs give 0", []string{"parse", legacySample}, "", exitOK, "0 bad lines"},
		{"parse: an unknown flag gives 2", []string{"parse", "-x"}, "", exitError, "-x"},
		{"rules: a missing rules directory gives 2", []string{"rules", "-rules", "/nonexistent"}, "", exitError,
			"rules path /nonexistent does not exist"},
		{"an unknown command gives 2", []string{"scna"}, "", exitError, `unknown command "scna"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(rego.EnvRuleDirs, "")
			code, _, stderr := runCmd(t, tt.stdin, tt.args...)
			assert.Equal(t, tt.wantCode, code, stderr)
			assert.Contains(t, stderr, tt.wantErr)
		})
	}
}
