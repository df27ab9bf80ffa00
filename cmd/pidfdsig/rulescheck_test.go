package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

const checkRules = "../../rego/testdata/rules/check/"

func TestRulesCheckCommand(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr string
	}{
		{"a good directory", []string{checkRules + "good"}, exitOK,
			[]string{"format   ok", "compile  ok", "tests    ok, 2 passed", "plan     ok, 1 rule(s)", "result: ok"}, ""},
		{"a misspelt field", []string{checkRules + "bad"}, exitFindings,
			[]string{"compile  1 problem(s)", "tests    not run", "typo.rego:17: does not compile: rego_type_error: undefined ref: data.tracee.pidfdsig.helpers.call.signl", "result: 1 problem(s)"}, ""},
		{"a failing test", []string{checkRules + "failing"}, exitFindings,
			[]string{"tests    1 problem(s)", "sigusr1_test.rego:6: test failed: data.tracee.USER_3_test.test_alice_signalling_bob_fires"}, ""},
		{"an unformatted file", []string{checkRules + "unformatted"}, exitFindings,
			[]string{"format   1 problem(s)", "sigusr1.rego: not formatted as opa fmt writes it"}, ""},
		{"a rule off the plan machine", []string{unplannableRules}, exitFindings,
			[]string{"plan     1 problem(s)", "runs on OPA's evaluator"}, ""},
		{"no such directory", []string{checkRules + "none"}, exitError, nil, "cannot run"},
		{"no directory", nil, exitError, nil, "usage: pidfdsig rules check DIR"},
		{"two directories", []string{checkRules + "good", checkRules + "bad"}, exitError, nil, "usage: pidfdsig rules check DIR"},
		{"an unknown flag", []string{"-x", checkRules + "good"}, exitError, nil, "usage: pidfdsig rules check DIR"},
		{"help", []string{"-h"}, exitOK, []string{"usage: pidfdsig rules check DIR", "Exit status: 0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"rules", "check"}, tt.args...), nil, &stdout, &stderr)
			assert.Equal(t, tt.wantCode, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			for _, want := range tt.wantStdout {
				assert.Contains(t, stdout.String(), want)
			}
			if tt.wantStderr == "" {
				assert.Empty(t, stderr.String())
			} else {
				assert.Contains(t, stderr.String(), tt.wantStderr)
			}
		})
	}
}
