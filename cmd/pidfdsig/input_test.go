package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleWith writes the v0.24.1 sample capture, changed by edit, to a file
// of its own and returns its path.
func sampleWith(t *testing.T, name string, edit func(string) string) string {
	t.Helper()
	src, err := os.ReadFile(legacySample)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(edit(string(src))), 0o600))
	return path
}

func TestScanInputs(t *testing.T) {
	dir := t.TempDir()
	bom := sampleWith(t, "bom.jsonl", func(s string) string { return "\ufeff" + s })
	// The sample's first pidfd_send_signal (line 2) with a null signal.
	nullSig := sampleWith(t, "null.jsonl", func(s string) string {
		return strings.Replace(s, `{"name":"sig","type":"int32","value":10}`, `{"name":"sig","type":"int32","value":null}`, 1)
	})
	tests := []struct {
		name       string
		args       []string
		wantStderr []string // substrings of stderr
		wantLines  *regexp.Regexp
		summary    string
	}{
		{
			name:    "a byte order mark does not cost the first event",
			args:    []string{bom},
			summary: "11 events, 0 bad lines, 3 findings",
		},
		{
			name:       "a directory is reported and the next input still read",
			args:       []string{dir, legacySample},
			wantStderr: []string{dir + ": is a directory"},
			summary:    "11 events, 0 bad lines, 3 findings",
		},
		{
			name:       "a file that does not exist is reported and the next input still read",
			args:       []string{filepath.Join(dir, "missing.jsonl"), legacySample},
			wantStderr: []string{"missing.jsonl: no such file"},
			summary:    "11 events, 0 bad lines, 3 findings",
		},
		{
			name:      "a warning about a null argument names its input and line",
			args:      []string{nullSig},
			wantLines: regexp.MustCompile(`(?m)^pidfdsig scan: warning: ` + regexp.QuoteMeta(nullSig) + `:2: pidfdsig: cannot parse event`),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, stderr := runCmd(t, "", append([]string{"scan"}, tt.args...)...)
			for _, want := range tt.wantStderr {
				assert.Contains(t, stderr, want)
			}
			if tt.wantLines != nil {
				assert.Regexp(t, tt.wantLines, stderr)
				for _, l := range strings.Split(stderr, "\n") {
					if strings.Contains(l, "warning:") {
						assert.Contains(t, l, nullSig+":", "every warning is located")
					}
				}
			}
			if tt.summary != "" {
				assert.Contains(t, stderr, tt.summary)
			}
		})
	}
}

// TestScanRefusesARuleImpersonatingABuiltinSignature: a user rule with a
// built-in id is refused whichever engine runs the built-ins, and prints
// no finding under that id.
func TestScanRefusesARuleImpersonatingABuiltinSignature(t *testing.T) {
	dir := t.TempDir()
	fake := `package tracee.FAKE

__rego_metadoc__ := {"id": "PFD-1", "version": "1", "name": "fake", "eventName": "pidfd_cross_user_signal", "description": "", "tags": [], "properties": {}}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal"}

tracee_match if input.eventName == "pidfd_send_signal"
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fake.rego"), []byte(fake), 0o600))
	for _, engine := range []string{"go", "rego", "both"} {
		t.Run("engine "+engine, func(t *testing.T) {
			_, out, stderr := runCmd(t, "", "scan", "-engine", engine, "-rules", dir, "-o", "json", legacySample)
			assert.Contains(t, stderr, "fake.rego:3: reserved signature id PFD-1")
			for _, ev := range findingEvents(t, out) {
				assert.NotEqual(t, "PFD-1", ev.Metadata.Properties["signatureID"], "no fake PFD-1 finding")
			}
			assert.NotContains(t, stderr, "PFD-1 ")
		})
	}
}
