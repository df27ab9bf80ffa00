//go:build !pidfdsig_noopa

package bundle_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/plugin/bundle"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

var builtinIDs = []string{"PFD-1", "PFD-2", "PFD-3", "PFD-4", "PFD-5", "PFD-6"}

// rule is a minimal user rule with the given ID.
func rule(id string) string {
	return ruleIn("tracee."+strings.ReplaceAll(id, "-", "_"), id)
}

// ruleIn is a minimal user rule in package pkg with the given ID.
func ruleIn(pkg, id string) string {
	return `package ` + pkg + `

__rego_metadoc__ := {"id": "` + id + `", "version": "1", "name": "test", "eventName": "test_` + strings.ToLower(strings.ReplaceAll(id, "-", "_")) + `", "description": "", "tags": [], "properties": {}}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

tracee_match if input.eventName == "pidfd_send_signal"
`
}

func ruleDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

// ids returns the IDs of sigs but the Followers', which every bundle ends
// with (TestFollowers checks them).
func ids(t *testing.T, sigs []detect.Signature) []string {
	t.Helper()
	var out []string
	for _, s := range sigs {
		m, err := s.GetMetadata()
		require.NoError(t, err)
		if _, ok := s.(*target.Follower); ok {
			continue
		}
		out = append(out, m.ID)
	}
	return out
}

func TestNew(t *testing.T) {
	disabled := signatures.DefaultConfig()
	disabled.Disabled = []string{"PFD-4"}
	tests := []struct {
		name         string
		opts         bundle.Options
		wantIDs      []string
		wantProblems []string
		wantEngine   string // of every Rego rule
		wantErr      bool
	}{
		{name: "the defaults carry the Go signatures", wantIDs: builtinIDs},
		{name: "the Rego implementation replaces the Go one", opts: bundle.Options{Builtin: bundle.BuiltinRego}, wantIDs: builtinIDs,
			wantEngine: bundle.RegoEnginePlan},
		{name: "the Rego rules can run on OPA's evaluator", opts: bundle.Options{Builtin: bundle.BuiltinRego, RegoEngine: bundle.RegoEngineTopdown},
			wantIDs: builtinIDs, wantEngine: bundle.RegoEngineTopdown},
		{name: "an unknown Rego engine is an error", opts: bundle.Options{RegoEngine: "wasm"}, wantErr: true},
		{name: "a rule OPA cannot plan loads, and is reported", opts: bundle.Options{RegoDirs: []string{"../../rego/testdata/rules/unplannable"}},
			wantIDs:      append(append([]string(nil), builtinIDs...), "SLASH-1"),
			wantProblems: []string{"rule SLASH-1 (../../rego/testdata/rules/unplannable/slash.rego) runs on OPA's evaluator"}},
		{name: "a disabled signature is left out", opts: bundle.Options{Config: &disabled},
			wantIDs: []string{"PFD-1", "PFD-2", "PFD-3", "PFD-5", "PFD-6"}},
		{name: "user rules come after the built-in signatures",
			opts:    bundle.Options{RegoDirs: []string{ruleDir(t, map[string]string{"a.rego": rule("USER-1")})}},
			wantIDs: append(append([]string(nil), builtinIDs...), "USER-1")},
		{name: "a user rule in a built-in rule's package is left out",
			opts:         bundle.Options{RegoDirs: []string{ruleDir(t, map[string]string{"a.rego": rule("PFD-1")})}},
			wantIDs:      builtinIDs,
			wantProblems: []string{"a.rego:1: protected namespace: package tracee.PFD_1"}},
		{name: "a user rule with a built-in ID is left out beside the Go signatures",
			opts:         bundle.Options{RegoDirs: []string{ruleDir(t, map[string]string{"a.rego": ruleIn("tracee.FAKE", "PFD-1")})}},
			wantIDs:      builtinIDs,
			wantProblems: []string{"a.rego:3: reserved signature id PFD-1"}},
		{name: "a user rule with a built-in ID is left out beside the Rego rules",
			opts:         bundle.Options{Builtin: bundle.BuiltinRego, RegoDirs: []string{ruleDir(t, map[string]string{"a.rego": ruleIn("tracee.FAKE", "PFD-2")})}},
			wantIDs:      builtinIDs,
			wantEngine:   bundle.RegoEnginePlan,
			wantProblems: []string{"a.rego:3: reserved signature id PFD-2"}},
		{name: "a user rule with a built-in ID in other letters is left out",
			opts:         bundle.Options{RegoDirs: []string{ruleDir(t, map[string]string{"a.rego": ruleIn("tracee.FAKE", "pfd-3")})}},
			wantIDs:      builtinIDs,
			wantProblems: []string{"reserved signature id pfd-3"}},
		{name: "a user rule that does not compile is left out",
			opts:         bundle.Options{RegoDirs: []string{ruleDir(t, map[string]string{"bad.rego": "package tracee.BAD\n\ntracee_match if {\n"})}},
			wantIDs:      builtinIDs,
			wantProblems: []string{"bad.rego"}},
		{name: "an unknown implementation is an error", opts: bundle.Options{Builtin: "lua"}, wantErr: true},
		{name: "an invalid configuration is an error",
			opts: bundle.Options{Config: &signatures.Config{Disabled: []string{"PFD-99"}}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := bundle.New(tt.opts)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantIDs, ids(t, b.Signatures))
			if tt.wantEngine != "" {
				assert.Equal(t, tt.wantEngine, regoEngine(t, b.Signatures))
			}
			require.Len(t, b.DataSources, 1)
			assert.Equal(t, "pidfdsig", b.DataSources[0].Namespace())
			assert.Equal(t, "pidfd_target", b.DataSources[0].ID())
			require.Len(t, b.Problems, len(tt.wantProblems))
			for i, want := range tt.wantProblems {
				assert.Contains(t, b.Problems[i].Error(), want)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	badConfig := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(badConfig, []byte("disabled: [PFD-99]\n"), 0o644))
	goodConfig := filepath.Join(t.TempDir(), "good.yaml")
	require.NoError(t, os.WriteFile(goodConfig, []byte("disabled: [PFD-4]\n"), 0o644))
	users := ruleDir(t, map[string]string{"a.rego": rule("USER-1")})
	tests := []struct {
		name         string
		env          map[string]string
		wantIDs      []string
		wantProblems []string
		wantEngine   string
	}{
		{name: "an empty environment gives the defaults", wantIDs: builtinIDs},
		{name: "a configuration file is read", env: map[string]string{bundle.EnvConfig: goodConfig},
			wantIDs: []string{"PFD-1", "PFD-2", "PFD-3", "PFD-5", "PFD-6"}},
		{name: "an invalid configuration falls back to the defaults", env: map[string]string{bundle.EnvConfig: badConfig},
			wantIDs: builtinIDs, wantProblems: []string{bundle.EnvConfig + "=" + badConfig}},
		{name: "a missing configuration file falls back to the defaults", env: map[string]string{bundle.EnvConfig: badConfig + ".missing"},
			wantIDs: builtinIDs, wantProblems: []string{"using the default configuration"}},
		{name: "an unknown implementation falls back to Go", env: map[string]string{bundle.EnvBuiltin: "lua"},
			wantIDs: builtinIDs, wantProblems: []string{`unknown built-in implementation "lua"`}},
		{name: "rule directories are read", env: map[string]string{bundle.EnvRegoDir: users + string(os.PathListSeparator) + t.TempDir()},
			wantIDs: append(append([]string(nil), builtinIDs...), "USER-1")},
		{name: "the Rego engine is read", env: map[string]string{bundle.EnvBuiltin: "rego", bundle.EnvRegoEngine: "topdown"},
			wantIDs: builtinIDs, wantEngine: bundle.RegoEngineTopdown},
		{name: "a Rego limit that does not parse is reported", env: map[string]string{"PIDFDSIG_REGO_MEMORY": "lots"},
			wantIDs: builtinIDs, wantProblems: []string{`PIDFDSIG_REGO_MEMORY="lots"`}},
		{name: "Rego limits that parse are taken", env: map[string]string{"PIDFDSIG_REGO_MEMORY": "16MiB", "PIDFDSIG_REGO_TIMEOUT": "50ms", "PIDFDSIG_REGO_STRIKES": "off"},
			wantIDs: builtinIDs},
		{name: "an unknown Rego engine falls back to the defaults", env: map[string]string{bundle.EnvBuiltin: "rego", bundle.EnvRegoEngine: "wasm"},
			wantIDs: builtinIDs, wantProblems: []string{`unknown Rego engine "wasm"`}},
		{name: "a live rate is taken", env: map[string]string{bundle.EnvLive: "1", bundle.EnvLiveRate: "250"},
			wantIDs: builtinIDs},
		{name: "an unlimited live rate is taken", env: map[string]string{bundle.EnvLive: "1", bundle.EnvLiveRate: "unlimited"},
			wantIDs: builtinIDs},
		{name: "a live rate that does not parse is reported", env: map[string]string{bundle.EnvLive: "1", bundle.EnvLiveRate: "lots"},
			wantIDs: builtinIDs, wantProblems: []string{`PIDFDSIG_LIVE_RATE: "lots" is not a positive number`}},
		{name: "a live rate of zero is reported", env: map[string]string{bundle.EnvLive: "1", bundle.EnvLiveRate: "0"},
			wantIDs: builtinIDs, wantProblems: []string{`PIDFDSIG_LIVE_RATE: "0" is not a positive number`}},
		{name: "a live rate is not read while live lookups are off", env: map[string]string{bundle.EnvLive: "0", bundle.EnvLiveRate: "lots"},
			wantIDs: builtinIDs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{bundle.EnvConfig, bundle.EnvRegoDir, bundle.EnvBuiltin, bundle.EnvRegoEngine,
				bundle.EnvLiveRate, "PIDFDSIG_REGO_MEMORY", "PIDFDSIG_REGO_TIMEOUT", "PIDFDSIG_REGO_STRIKES"} {
				t.Setenv(k, tt.env[k])
			}
			live, ok := tt.env[bundle.EnvLive]
			if !ok {
				live = "0"
			}
			t.Setenv(bundle.EnvLive, live)
			b := bundle.FromEnv()
			assert.Equal(t, tt.wantIDs, ids(t, b.Signatures))
			if tt.wantEngine != "" {
				assert.Equal(t, tt.wantEngine, regoEngine(t, b.Signatures))
			}
			require.Len(t, b.Problems, len(tt.wantProblems), "%v", b.Problems)
			for i, want := range tt.wantProblems {
				assert.Contains(t, b.Problems[i].Error(), want)
			}
		})
	}
}

// regoEngine returns the engine every Rego rule of sigs runs on, failing
// when they differ or there is none.
func regoEngine(t *testing.T, sigs []detect.Signature) string {
	t.Helper()
	engine := ""
	for _, s := range sigs {
		r, ok := s.(interface{ Engine() string })
		if !ok {
			continue
		}
		if engine != "" && r.Engine() != engine {
			t.Fatalf("rules on two engines: %s and %s", engine, r.Engine())
		}
		engine = r.Engine()
	}
	require.NotEmpty(t, engine, "no Rego rule")
	return engine
}
