package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScanSignaturesSelection(t *testing.T) {
	tests := []struct {
		name     string
		only     string
		wantCode int
		wantIDs  []string // signature IDs of the findings, in any order
		wantErr  string
	}{
		{"an ID in its own case", "PFD-3", exitFindings, []string{"PFD-3"}, ""},
		{"an ID in lower case", "pfd-3", exitFindings, []string{"PFD-3"}, ""},
		{"an event name in another case", "PIDFD_Forged_Siginfo", exitFindings, []string{"PFD-3"}, ""},
		{"two names, spaces and a repeat", " pfd-2 , Pfd-3,pfd-2", exitFindings, []string{"PFD-2", "PFD-2", "PFD-3"}, ""},
		{"an unknown name lists the valid IDs", "Pfd-99", exitError, nil,
			`no signature with ID or event name "Pfd-99"; valid IDs: PFD-1, PFD-2, PFD-3, PFD-4, PFD-5, PFD-6`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCmd(t, "", "scan", "-o", "json", "-signatures", tt.only, legacySample)
			require.Equal(t, tt.wantCode, code, stderr)
			assert.Contains(t, stderr, tt.wantErr)
			var ids []string
			for _, ev := range findingEvents(t, out) {
				id, _ := ev.Metadata.Properties["signatureID"].(string)
				ids = append(ids, id)
			}
			assert.ElementsMatch(t, tt.wantIDs, ids)
		})
	}
}
