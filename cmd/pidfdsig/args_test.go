package main

import (
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
)

func TestFlagsFirst(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("o", "table", "")
	fs.Var(&stringList{}, "rules", "")
	fs.Bool("live", false, "")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"flags first stay first", []string{"-o", "json", "a"}, []string{"-o", "json", "--", "a"}},
		{"a flag after a file moves before it", []string{"a", "-o", "json"}, []string{"-o", "json", "--", "a"}},
		{"files keep their order around flags", []string{"a", "-o", "json", "b", "-rules", "d", "c"},
			[]string{"-o", "json", "-rules", "d", "--", "a", "b", "c"}},
		{"a bool flag takes no value", []string{"-live", "a"}, []string{"-live", "--", "a"}},
		{"a bool flag with =value keeps it inline", []string{"a", "-live=false", "b"}, []string{"-live=false", "--", "a", "b"}},
		{"--flag=value is one argument", []string{"a", "--o=json"}, []string{"--o=json", "--", "a"}},
		{"a value that looks like a flag stays the value", []string{"-rules", "-odd-dir", "a"}, []string{"-rules", "-odd-dir", "--", "a"}},
		{"a lone - is standard input", []string{"-", "-o", "json"}, []string{"-o", "json", "--", "-"}},
		{"after -- everything is a file", []string{"a", "--", "-o", "json"}, []string{"--", "a", "-o", "json"}},
		{"an unknown flag stays a flag, for Parse to refuse", []string{"a", "-x", "b"}, []string{"-x", "--", "a", "b"}},
		{"a value flag at the end is left for Parse to refuse", []string{"a", "-o"}, []string{"-o", "--", "a"}},
		{"no arguments", nil, []string{"--"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, flagsFirst(fs, tt.args))
		})
	}
}

// TestFlagsAfterFileNames: each subcommand reads flags written after its
// file names.
func TestFlagsAfterFileNames(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		check    func(t *testing.T, out, stderr string)
	}{
		{"scan FILE -o json prints JSON", []string{"scan", legacySample, "-o", "json"}, exitFindings,
			func(t *testing.T, out, stderr string) { assert.Len(t, findingEvents(t, out), 3, stderr) }},
		{"scan FILE -signatures ID FILE", []string{"scan", legacySample, "-signatures", "PFD-3", "-o", "json", protoSample}, exitFindings,
			func(t *testing.T, out, stderr string) {
				assert.Len(t, findingEvents(t, out), 2, stderr)
				assert.Contains(t, stderr, "22 events")
			}},
		{"parse FILE -o json prints records", []string{"parse", legacySample, "-o", "json"}, exitOK,
			func(t *testing.T, out, stderr string) { assert.NotEmpty(t, decodeRecords(t, out), stderr) }},
		{"rules -no-builtin after -rules DIR", []string{"rules", "-rules", userRules, "-no-builtin"}, exitOK,
			func(t *testing.T, out, stderr string) {
				assert.Contains(t, out, "USER-1")
				assert.NotContains(t, out, "PFD-1")
			}},
		{"-- makes a flag-like name a file", []string{"scan", legacySample, "--", "-o"}, exitError,
			func(t *testing.T, out, stderr string) { assert.Contains(t, stderr, "open -o: no such file") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(rego.EnvRuleDirs, "")
			code, out, stderr := runCmd(t, "", tt.args...)
			require.Equal(t, tt.wantCode, code, stderr)
			tt.check(t, out, stderr)
		})
	}
}
