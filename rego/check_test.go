package rego_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
)

func TestCheckFindsEachKindOfProblem(t *testing.T) {
	tests := []struct {
		name     string
		dir      string
		kind     error // nil: the directory passes
		file     string
		line     int
		message  string
		tests    int
		problems int
	}{
		{"a good directory passes", "good", nil, "", 0, "", 2, 0},
		{"a rule for old Tracee in Rego v0 passes", "../old", nil, "", 0, "", 0, 0},
		{"a misspelt field is refused with file and line", "bad", rego.ErrCompile, "typo.rego", 17, "undefined ref: data.tracee.pidfdsig.helpers.call.signl", 0, 1},
		{"a failing test is reported", "failing", rego.ErrTestFailed, "sigusr1_test.rego", 6, "test_alice_signalling_bob_fires", 2, 1},
		{"an unformatted file is reported", "unformatted", rego.ErrUnformatted, "sigusr1.rego", 0, "opa fmt", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join("testdata/rules/check", tt.dir)
			rep, err := rego.Check(context.Background(), dir)
			require.NoError(t, err)
			assert.Equal(t, tt.tests, rep.Tests, "tests run")
			problems := rep.Problems()
			require.Len(t, problems, tt.problems, "%v", problems)
			assert.Equal(t, tt.problems == 0, rep.OK())
			if tt.kind == nil {
				assert.Equal(t, 1, rep.Rules)
				return
			}
			p := problems[0]
			assert.ErrorIs(t, p, tt.kind)
			assert.Equal(t, filepath.Join(dir, tt.file), p.File)
			assert.Equal(t, tt.line, p.Line)
			assert.Contains(t, p.Error(), tt.message)
		})
	}
}

func TestCheckReportsRulesOffThePlanMachine(t *testing.T) {
	rep, err := rego.Check(context.Background(), "testdata/rules/unplannable")
	require.NoError(t, err)
	require.NotEmpty(t, rep.Unplanned, "%v", rep.Problems())
	assert.ErrorIs(t, rep.Unplanned[0], rego.ErrUnplanned)
	assert.False(t, rep.OK())
}

func TestCheckCannotRunWithoutRules(t *testing.T) {
	_, err := rego.Check(context.Background(), "testdata/rules/no-such-dir")
	require.Error(t, err)
	_, err = rego.Check(context.Background(), t.TempDir())
	require.ErrorContains(t, err, "no .rego file")
}
