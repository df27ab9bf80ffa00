package signatures_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/signatures"
)

func TestDefaultConfigIsValid(t *testing.T) {
	cfg := signatures.DefaultConfig()
	require.NoError(t, cfg.Validate())
}

func TestExampleConfigFileHoldsTheDefaults(t *testing.T) {
	cfg, err := signatures.LoadConfig("testdata/config.yaml")
	require.NoError(t, err)
	assert.Equal(t, signatures.DefaultConfig(), cfg, "testdata/config.yaml documents the defaults: keep it in step")
}

func TestParseConfig(t *testing.T) {
	withDefaults := func(change func(*signatures.Config)) signatures.Config {
		c := signatures.DefaultConfig()
		change(&c)
		return c
	}
	cases := []struct {
		name string
		doc  string
		want signatures.Config
	}{
		{"an empty document is the default", "", signatures.DefaultConfig()},
		{"a comment-only document is the default", "# nothing\n", signatures.DefaultConfig()},
		{"keys left out keep their default", "signal_probe:\n  threshold: 3\n",
			withDefaults(func(c *signatures.Config) { c.SignalProbe.Threshold = 3 })},
		{"a window is a duration string", "signal_probe: {window: 1m30s}",
			withDefaults(func(c *signatures.Config) { c.SignalProbe.Window = signatures.Duration(90 * time.Second) })},
		{"false overrides a true default", "unusual_flags: {ignore_own_process_groups: false}",
			withDefaults(func(c *signatures.Config) { c.UnusualFlags.IgnoreOwnProcessGroups = false })},
		{"lists replace the defaults", "security_tools: {names: [mytool]}",
			withDefaults(func(c *signatures.Config) { c.SecurityTools.Names = []string{"mytool"} })},
		{"an empty allow list removes the default rules", "allow: []",
			withDefaults(func(c *signatures.Config) { c.Allow = []signatures.AllowRule{} })},
		{"JSON is accepted", `{"cross_user": {"include_root_senders": true}, "disabled": ["PFD-6"]}`,
			withDefaults(func(c *signatures.Config) {
				c.CrossUser.IncludeRootSenders = true
				c.Disabled = []string{"PFD-6"}
			})},
		{"an allow rule with every key", `
allow:
  - description: our supervisor
    comm: [supervisord]
    exe: [/usr/bin/supervisord]
    match_unknown_exe: true
    uids: [0, 999]
    target_in_container: true
    signatures: [PFD-1]
`, withDefaults(func(c *signatures.Config) {
			c.Allow = []signatures.AllowRule{{
				Description: "our supervisor", Comm: []string{"supervisord"}, Exe: []string{"/usr/bin/supervisord"},
				MatchUnknownExe: true, UIDs: []uint32{0, 999}, TargetInContainer: true, Signatures: []string{"PFD-1"},
			}}
		})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := signatures.ParseConfig([]byte(tc.doc))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want string // a part of the message
	}{
		{"an unknown top-level key is named", "cross_users: {}", `unknown field "cross_users"`},
		{"an unknown nested key is named", "signal_probe: {treshold: 3}", `unknown field "treshold"`},
		{"an unknown key in an allow rule is named", "allow: [{comm: [x], user: root}]", `unknown field "user"`},
		{"an unknown JSON key is named", `{"security_tools": {"name": ["x"]}}`, `unknown field "name"`},
		{"a duplicate key", "disabled: []\ndisabled: []\n", "disabled"},
		{"a window that is a number", "signal_probe: {window: 10}", "duration"},
		{"a window that is not a duration", "signal_probe: {window: soon}", `"soon"`},
		{"a negative window", "signal_probe: {window: -1s}", "window -1s"},
		{"a threshold below one", "signal_probe: {threshold: 0}", "threshold 0"},
		{"a target cap below the threshold", "signal_probe: {threshold: 10, max_targets_per_sender: 5}", "max_targets_per_sender 5"},
		{"no sender cap", "signal_probe: {max_senders: 0}", "max_senders 0"},
		{"a bad glob", `security_tools: {exe: ["/usr/bin/[x"]}`, `glob "/usr/bin/[x"`},
		{"an unknown signal", "security_tools: {signals: [SIGDIE]}", `"SIGDIE"`},
		{"an unknown signature id to disable", "disabled: [PFD-9]", `"PFD-9"`},
		{"an unknown signature id in a rule", "allow: [{comm: [x], signatures: [TRC-1]}]", `allow[0]: signatures`},
		{"a rule that matches nothing", "allow: [{uids: [0]}]", "allow[0]: a rule needs comm or exe"},
		{"a value of the wrong type", "cross_user: {include_root_senders: maybe}", "include_root_senders"},
		{"not a mapping", "- a\n- b\n", "signatures config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := signatures.ParseConfig([]byte(tc.doc))
			require.ErrorIs(t, err, signatures.ErrConfig)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestLoadConfigNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("nope: 1\n"), 0o600))
	_, err := signatures.LoadConfig(bad)
	require.ErrorIs(t, err, signatures.ErrConfig)
	assert.Contains(t, err.Error(), bad)
	assert.Contains(t, err.Error(), `"nope"`)

	_, err = signatures.LoadConfig(filepath.Join(dir, "missing.yaml"))
	require.ErrorIs(t, err, signatures.ErrConfig)
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestDurationRoundTrips(t *testing.T) {
	d := signatures.Duration(1500 * time.Millisecond)
	b, err := d.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `"1.5s"`, string(b))
	var back signatures.Duration
	require.NoError(t, back.UnmarshalJSON(b))
	assert.Equal(t, d, back)
}
