package rego_test

import (
	"path/filepath"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
	"github.com/pidfdsig/pidfdsig/signatures"
)

// firedIDs runs every benchCase's firing event through the signatures of
// one runtime built with opts, whose resolver names each case's target,
// and returns the ids that reported their event, and the load errors.
func firedIDs(t *testing.T, opts ...rego.Option) ([]string, []*rego.LoadError) {
	t.Helper()
	cfg := signatures.DefaultConfig()
	for _, bc := range benchCases {
		if bc.config != nil {
			bc.config(&cfg)
		}
	}
	res := &switchResolver{cur: &fixedResolver{}}
	rt, err := rego.New(append([]rego.Option{patient, rego.WithoutEnvironment(), rego.WithConfig(cfg), rego.WithResolver(res)}, opts...)...)
	require.NoError(t, err)
	byID := map[string]detect.Signature{}
	for _, s := range rt.Signatures() {
		m, err := s.GetMetadata()
		require.NoError(t, err)
		byID[m.ID] = s
	}
	var fired []string
	for _, bc := range benchCases {
		s, ok := byID[bc.id]
		if !ok {
			continue
		}
		n := 0
		require.NoError(t, s.Init(detect.SignatureContext{Callback: func(*detect.Finding) { n++ }}))
		res.cur = &fixedResolver{t: bc.firingTarget}
		require.NoError(t, s.OnEvent(bc.firing.ToProtocol()))
		if n > 0 {
			fired = append(fired, bc.id)
		}
	}
	return fired, rt.LoadErrors()
}

// TestUserFilesCannotWriteProtectedNamespaces: a rules directory cannot
// blind the built-in rules by writing their configuration, their helpers
// or their packages; the file is refused at its package clause or rule.
func TestUserFilesCannotWriteProtectedNamespaces(t *testing.T) {
	tests := []struct {
		name    string
		content string
		line    int
		message string
	}{
		{"the configuration, allowing every sender", blindingConfig, 1, "package pidfdsig is inside pidfdsig"},
		{"the configuration as a package", "package pidfdsig.config\n\ndisabled := [\"PFD-1\"]\n", 1, "package pidfdsig.config is inside pidfdsig"},
		{"the helper library", "package tracee.pidfdsig.helpers\n\nextra := 1\n", 1, "package tracee.pidfdsig.helpers is inside tracee.pidfdsig"},
		{"a new helper package", "package tracee.pidfdsig.mine\n\nx := 1\n", 1, "inside tracee.pidfdsig"},
		{"a subpackage of the defaults", "package tracee.pidfdsig.defaults.x\n\ny := 1\n", 1, "inside tracee.pidfdsig"},
		{"old Tracee's helper package", "package tracee.helpers\n\nget_tracee_argument(_) := 1\n", 1, "package tracee.helpers is inside tracee.helpers"},
		{"a built-in rule's subpackage", "package tracee.PFD_1.sub\n\nx := 1\n", 1, "inside tracee.PFD_*"},
		{"a package named like a built-in rule", "package tracee.PFD_7\n\nx := 1\n", 1, "inside tracee.PFD_*"},
		{"a rule over a built-in rule's package", "package tracee\n\nPFD_1 := 5\n", 3, "rule tracee.PFD_1 would write tracee.PFD_*"},
		{"a rule over the helpers", "package tracee\n\npidfdsig.helpers.x := 5\n", 3, "would write tracee.pidfdsig"},
		{"a rule over the configuration root", "package tracee\n\nok := 1\n\nhelpers[x] := 1 if x := \"a\"\n", 5, "rule tracee.helpers would write tracee.helpers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRules(t, map[string]string{"evil.rego": tt.content})
			rt, err := rego.New(patient, rego.WithoutEnvironment(), rego.WithoutBuiltinRules(), rego.WithRuleDirs(dir))
			require.NoError(t, err)
			assert.Empty(t, ids(t, rt))
			errs := rt.LoadErrors()
			require.Len(t, errs, 1)
			assert.Equal(t, filepath.Join(dir, "evil.rego"), errs[0].File)
			assert.Equal(t, tt.line, errs[0].Line)
			assert.ErrorIs(t, errs[0], rego.ErrProtected)
			assert.Contains(t, errs[0].Error(), tt.message)
		})
	}
}

// blindingConfig is issue 14's file: it allowed every sender and took the
// scenarios from 41 findings to 0.
const blindingConfig = "package pidfdsig\n\nconfig := {\"cross_user\": {\"allow\": [{\"exe\": [\"/**\"], \"match_unknown_exe\": true}]}}\n"

// TestBuiltinRulesFireBesideAFileWritingTheirConfiguration runs every
// built-in rule's firing event with the blinding file in the directory, on
// both Rego engines.
func TestBuiltinRulesFireBesideAFileWritingTheirConfiguration(t *testing.T) {
	dir := writeRules(t, map[string]string{"evil.rego": blindingConfig, "disable.rego": "package pidfdsig.config\n\ndisabled := [\"PFD-1\"]\n"})
	for _, tt := range []struct {
		name string
		opts []rego.Option
	}{{"plan", nil}, {"topdown", []rego.Option{rego.WithTopdown()}}} {
		t.Run(tt.name, func(t *testing.T) {
			fired, errs := firedIDs(t, append(tt.opts, rego.WithRuleDirs(dir))...)
			assert.Equal(t, []string{"PFD-1", "PFD-2", "PFD-3", "PFD-4", "PFD-5", "PFD-6"}, fired)
			assert.Len(t, errs, 2)
		})
	}
}

// A user rule may still read the configuration and use old Tracee's
// helpers, which pidfdsig ships.
func TestUserRulesMayReadProtectedNamespaces(t *testing.T) {
	dir := writeRules(t, map[string]string{
		"rule.rego": userRule("tracee.H", "H-1", "import data.tracee.helpers\n\ntracee_match := {\"v\": helpers.get_tracee_argument(\"sig\"), \"probe\": data.pidfdsig.config.signal_probe.threshold}"),
	})
	rt, err := rego.New(patient, rego.WithRuleDirs(dir), rego.WithoutEnvironment(), rego.WithoutBuiltinRules())
	require.NoError(t, err)
	require.Empty(t, rt.LoadErrors())
	out := runRules(t, rt, sendSignalEvent(10, 0))
	require.Len(t, out, 1)
	assert.Equal(t, map[string]any{"v": int64(10), "probe": int64(signatures.DefaultConfig().SignalProbe.Threshold)}, out[0].Data)
}
