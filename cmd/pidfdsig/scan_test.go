package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// findingEvents decodes scan's JSON lines output.
func findingEvents(t *testing.T, out string) []trace.Event {
	t.Helper()
	var evs []trace.Event
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var raw map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &raw), sc.Text())
		var ev trace.Event
		ev.EventName, _ = raw["eventName"].(string)
		if md, ok := raw["metadata"].(map[string]any); ok {
			props, _ := md["Properties"].(map[string]any)
			ev.Metadata = &trace.Metadata{Properties: props}
		}
		evs = append(evs, ev)
	}
	return evs
}

func TestScanFindsTheSampleCapturesSuspiciousCalls(t *testing.T) {
	for _, engine := range [][]string{{"-engine", "go"}, {"-engine", "rego"}, {"-engine", "rego", "-rego-engine", "topdown"}} {
		t.Run("with "+strings.Join(engine, " "), func(t *testing.T) {
			args := append(append([]string{"scan"}, engine...), "-o", "json", legacySample, protoSample)
			code, out, stderr := runCmd(t, "", args...)
			require.Equal(t, exitFindings, code, stderr)
			evs := findingEvents(t, out)
			var names []string
			for _, ev := range evs {
				names = append(names, ev.EventName)
				require.NotNil(t, ev.Metadata)
				assert.NotEmpty(t, ev.Metadata.Properties["signatureID"])
				assert.NotNil(t, ev.Metadata.Properties["Severity"])
			}
			// Each capture has one process-group signal, one flags=8 call and
			// one forged siginfo refused with EPERM.
			assert.ElementsMatch(t, []string{
				"pidfd_unusual_flags", "pidfd_unusual_flags", "pidfd_forged_siginfo",
				"pidfd_unusual_flags", "pidfd_unusual_flags", "pidfd_forged_siginfo",
			}, names)
			assert.Contains(t, stderr, "22 events, 0 bad lines, 6 findings")
		})
	}
}

func TestScanJSONCarriesTheTriggeringEvent(t *testing.T) {
	code, out, _ := runCmd(t, "", "scan", "-o", "json", "-signatures", "PFD-3", legacySample)
	require.Equal(t, exitFindings, code)
	line := strings.SplitN(out, "\n", 2)[0]
	var raw struct {
		EventName string `json:"eventName"`
		HostPID   int    `json:"hostProcessId"`
		Args      []struct {
			Name  string          `json:"name"`
			Value json.RawMessage `json:"value"`
		} `json:"args"`
	}
	require.NoError(t, json.Unmarshal([]byte(line), &raw))
	assert.Equal(t, "pidfd_forged_siginfo", raw.EventName)
	assert.Equal(t, 32234, raw.HostPID, "the finding keeps the sender's context")
	byName := map[string]string{}
	for _, a := range raw.Args {
		byName[a.Name] = string(a.Value)
	}
	assert.Contains(t, byName["triggeredBy"], `"name":"pidfd_send_signal"`)
	assert.Equal(t, `"EPERM"`, byName["errno"])
	assert.Contains(t, byName["target"], `"host_pid":32235`)
}

func TestScanTableAndExitStatus(t *testing.T) {
	benign, err := readLine(legacySample, 2)
	require.NoError(t, err)
	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"findings give status 1 and a table", []string{"scan", legacySample}, "", exitFindings, "pidfd_forged_siginfo", "6 findings"[2:]},
		{"no findings give status 0", []string{"scan", "-"}, benign, exitOK, "", "0 findings"},
		{"only the chosen signatures run", []string{"scan", "-signatures", "pidfd_forged_siginfo", legacySample}, "", exitFindings, "PFD-3", "1 findings"},
		{"an unknown signature is an error", []string{"scan", "-signatures", "PFD-99", legacySample}, "", exitError, "", `"PFD-99"`},
		{"a bad engine is an error", []string{"scan", "-engine", "lua", legacySample}, "", exitError, "", `engine "lua"`},
		{"a bad Rego engine is an error", []string{"scan", "-rego-engine", "wasm", legacySample}, "", exitError, "", `rego engine "wasm"`},
		{"a rule OPA cannot plan runs, and is reported", []string{"scan", "-rules", unplannableRules, "-signatures", "SLASH-1", legacySample}, "",
			exitFindings, "SLASH-1", "rule SLASH-1 (../../rego/testdata/rules/unplannable/slash.rego) runs on OPA's evaluator"},
		{"nothing readable is an error", []string{"scan"}, "\x00garbage\n", exitError, "", "1 bad lines"},
		{"a missing config file is an error", []string{"scan", "-config", "/nonexistent.yaml", legacySample}, "", exitError, "", "nonexistent.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCmd(t, tt.stdin, tt.args...)
			assert.Equal(t, tt.wantCode, code, stderr)
			assert.Contains(t, out, tt.wantOut)
			assert.Contains(t, stderr, tt.wantErr)
		})
	}
}

func TestScanCarriesOnPastBadInput(t *testing.T) {
	good, err := os.ReadFile(legacySample)
	require.NoError(t, err)
	huge := `{"eventName":"` + strings.Repeat("x", 10<<20) + "\n" // a 10 MB line, cut short
	truncated := string(good[:200]) + "\n"
	stdin := "not json\n" + truncated + "\x7fELF\x00\x01binary\n" + huge +
		`{"eventName":"pidfd_send_signal","eventId":"424","args":[{"name":"pidfd","type":"int32","value":"three"}]}` + "\n" +
		string(good)
	code, out, stderr := runCmd(t, stdin, "scan", "-o", "json")
	assert.Equal(t, exitFindings, code, stderr)
	assert.Len(t, findingEvents(t, out), 3, "the whole capture after the bad lines is still scanned")
	assert.Contains(t, stderr, "line 1")
	assert.Contains(t, stderr, "5 bad lines")
}

func TestScanLoadsCustomRegoRules(t *testing.T) {
	dir := t.TempDir()
	rule := `package tracee.CUSTOM_1

import rego.v1

__rego_metadoc__ := {
	"id": "CUSTOM-1",
	"version": "1.0.0",
	"name": "Any SIGKILL through a pidfd",
	"eventName": "custom_pidfd_sigkill",
	"description": "Reports every SIGKILL sent through a pidfd.",
	"properties": {"Severity": 1},
}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal"}

tracee_match if {
	some arg in input.args
	arg.name == "sig"
	arg.value == 9
}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sigkill.rego"), []byte(rule), 0o644))
	code, out, stderr := runCmd(t, "", "scan", "-signatures", "CUSTOM-1", "-rules", dir, legacySample)
	require.Equal(t, exitFindings, code, stderr)
	assert.Contains(t, out, "custom_pidfd_sigkill")
	assert.Contains(t, stderr, "1 findings")
}

func TestScanStopsAndReportsWhenInterrupted(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut strings.Builder
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, []string{"scan"}, pr, &out, &errOut) }()

	good, err := os.ReadFile(legacySample)
	require.NoError(t, err)
	_, err = pw.Write(good) // input stays open: without the interrupt scan would wait forever
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitFindings, code)
	case <-time.After(10 * time.Second):
		t.Fatal("scan did not stop after the interrupt")
	}
	assert.Contains(t, errOut.String(), "interrupted")
	assert.Contains(t, out.String(), "pidfd_forged_siginfo")
}
