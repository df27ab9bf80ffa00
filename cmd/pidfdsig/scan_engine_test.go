package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With -engine both every built-in finding comes twice, once per engine:
// each says which engine made it.
func TestScanLabelsTheEngineWhenBothRun(t *testing.T) {
	tests := []struct {
		name    string
		engine  string
		labels  map[string]int // label -> findings carrying it
		summary string
	}{
		{"both engines label every finding", "both", map[string]int{"go": 3, "rego": 3}, "PFD-3 pidfd_forged_siginfo [rego]"},
		{"one engine adds no label", "go", map[string]int{"go": 0, "rego": 0}, "PFD-3 pidfd_forged_siginfo "},
	}
	for _, tt := range tests {
		t.Run(tt.name+" in the table", func(t *testing.T) {
			code, out, stderr := runCmd(t, "", "scan", "-engine", tt.engine, legacySample)
			require.Equal(t, exitFindings, code, stderr)
			for label, n := range tt.labels {
				assert.Equal(t, n, strings.Count(out, ") ["+label+"]  "), label)
			}
			assert.Contains(t, stderr, tt.summary)
		})
		t.Run(tt.name+" in JSON", func(t *testing.T) {
			code, out, stderr := runCmd(t, "", "scan", "-engine", tt.engine, "-o", "json", legacySample)
			require.Equal(t, exitFindings, code, stderr)
			got := map[string]int{"go": 0, "rego": 0}
			for _, ev := range findingEvents(t, out) {
				if label, ok := ev.Metadata.Properties["engine"].(string); ok {
					got[label]++
				}
			}
			assert.Equal(t, tt.labels, got)
		})
	}
}

// Each row says which input and line its causal event came from.
func TestScanTableNamesTheInputLine(t *testing.T) {
	code, out, stderr := runCmd(t, "", "scan", "-signatures", "PFD-3", legacySample)
	require.Equal(t, exitFindings, code, stderr)
	assert.Contains(t, out, " UTC  "+legacySample+":7  PFD-3 ", "line 7 is the EPERM call with a siginfo")
}
