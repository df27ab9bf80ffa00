package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
)

const (
	legacySample = "../../testdata/tracee-samples/tracee-v0.24.1-trigger.jsonl"
	protoSample  = "../../testdata/tracee-samples/tracee-main-trigger.jsonl"
)

// runCmd runs the command line and returns its status, stdout and stderr.
func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func decodeRecords(t *testing.T, out string) []events.Record {
	t.Helper()
	var recs []events.Record
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r events.Record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), sc.Text())
		recs = append(recs, r)
	}
	return recs
}

func TestParseDecodesBothCaptureFormatsAlike(t *testing.T) {
	code, out, stderr := runCmd(t, "", "parse", "-o", "json", legacySample)
	require.Equal(t, exitOK, code, stderr)
	legacy := decodeRecords(t, out)

	code, out, stderr = runCmd(t, "", "parse", "-o", "json", protoSample)
	require.Equal(t, exitOK, code, stderr)
	proto := decodeRecords(t, out)

	require.Len(t, legacy, 9)
	require.Len(t, proto, 9)
	assert.Contains(t, stderr, "9 pidfd_send_signal calls, 2 other events skipped, 0 bad events, 0 bad lines")
	for i := range legacy {
		// Pids and addresses differ between the two recordings; the decoded call does not.
		l, p := legacy[i], proto[i]
		assert.Equal(t, []any{l.Sig, l.Signal, l.Flags, l.FlagNames, l.UnknownFlags, l.Scope, l.Info == 0, l.Return, l.Errno, l.Sender.UID},
			[]any{p.Sig, p.Signal, p.Flags, p.FlagNames, p.UnknownFlags, p.Scope, p.Info == 0, p.Return, p.Errno, p.Sender.UID}, "call %d", i)
	}
	assert.Equal(t, []string{"", "", "", "EINVAL", "", "EPERM", "EPERM", "", "ESRCH"}, errnos(proto))
	assert.Equal(t, []string{"PIDFD_SIGNAL_PROCESS_GROUP"}, proto[2].FlagNames)
	assert.Equal(t, uint32(8), proto[3].UnknownFlags)
	assert.Equal(t, "invalid", proto[3].Scope)
	assert.Equal(t, uint32(65534), proto[6].Sender.UID)
}

func errnos(recs []events.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Errno)
	}
	return out
}

func TestParsePrintsATableByDefault(t *testing.T) {
	code, out, _ := runCmd(t, "", "parse", legacySample)
	require.Equal(t, exitOK, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 10, "a header and one row per call")
	assert.Regexp(t, `^HOST_PID\s+UID\s+COMM\s+PIDFD\s+SIGNAL\s+FLAGS\s+SCOPE\s+INFO\s+RESULT$`, lines[0])
	assert.Regexp(t, `^32234\s+0\s+pidfd-trigger\s+3\s+SIGUSR1\s+0x8\s+invalid\s+NULL\s+EINVAL$`, lines[4])
}

func TestParseCarriesOnPastBadInput(t *testing.T) {
	good, err := readLine(legacySample, 2)
	require.NoError(t, err)
	tests := []struct {
		name     string
		stdin    string
		wantCode int
		wantRecs int
		wantErr  []string
	}{
		{"a line that is not JSON is reported with its number", "not json\n" + good, exitOK, 1, []string{"line 1", "1 bad lines"}},
		{"a call with a missing argument is reported and skipped", strings.Replace(good, `{"name":"sig","type":"int32","value":10},`, "", 1) + good, exitOK, 1, []string{"argument sig", "1 bad events"}},
		{"input with nothing readable fails", "garbage\n\x00\x01\x02\n", exitError, 0, []string{"2 bad lines"}},
		{"empty input is not an error", "", exitOK, 0, []string{"0 pidfd_send_signal calls"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCmd(t, tt.stdin, "parse", "-o", "json")
			assert.Equal(t, tt.wantCode, code, stderr)
			assert.Len(t, decodeRecords(t, out), tt.wantRecs)
			for _, want := range tt.wantErr {
				assert.Contains(t, stderr, want)
			}
		})
	}
}

func TestParseRejectsBadUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"an unknown output format", []string{"parse", "-o", "xml"}, `output format "xml"`},
		{"an unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"no command", nil, "usage:"},
		{"a missing file", []string{"parse", "/nonexistent/capture.jsonl"}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, "", tt.args...)
			assert.Equal(t, exitError, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

// readLine returns line n (1-based) of a file, with its newline.
func readLine(path string, n int) (string, error) {
	data, err := readFile(path)
	if err != nil {
		return "", err
	}
	return strings.SplitAfter(data, "\n")[n-1], nil
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
