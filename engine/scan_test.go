package engine

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
)

// failingReader fails after its content.
type failingReader struct{ r *strings.Reader }

func (f failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil {
		return n, errors.New("disk on fire")
	}
	return n, nil
}

func TestScan(t *testing.T) {
	sample, err := os.ReadFile("../testdata/tracee-samples/tracee-v0.24.1-trigger.jsonl")
	require.NoError(t, err)
	lines := strings.SplitAfter(strings.TrimSpace(string(sample)), "\n")
	require.Greater(t, len(lines), 2)
	tests := []struct {
		name      string
		input     string
		eventErr  error
		want      ScanStats
		wantSeen  int
		wantErrs  int
		wantFatal string
	}{
		{"every event of a real capture is dispatched in order", string(sample), nil, ScanStats{Events: len(lines)}, len(lines), 0, ""},
		{"a bad line is counted, reported and skipped", lines[0] + "{not json\n" + lines[1], nil, ScanStats{Events: 2, BadLines: 1}, 2, 1, ""},
		{"a signature error is counted and the scan goes on", lines[0] + lines[1], errors.New("boom"), ScanStats{Events: 2, SignatureErrors: 2}, 2, 2, ""},
		{"an empty capture is no error", "", nil, ScanStats{}, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{id: "all", selected: []detect.SignatureEventSelector{sel("*", "*")}, eventErr: tt.eventErr}
			var findings int
			var reported []error
			stats, err := Scan(strings.NewReader(tt.input), []detect.Signature{rec},
				Options{OnFinding: func(*detect.Finding) { findings++ }},
				OnError(func(err error) { reported = append(reported, err) }))
			require.NoError(t, err)
			assert.Equal(t, tt.want, stats)
			assert.Len(t, rec.seen, tt.wantSeen)
			assert.Equal(t, tt.wantSeen, findings)
			assert.Len(t, reported, tt.wantErrs)
			assert.Equal(t, 1, rec.signals, "the source is complete once")
			assert.True(t, rec.closed)
		})
	}
}

func TestScanReportsBadLinesAsLineErrors(t *testing.T) {
	var reported []error
	_, err := Scan(strings.NewReader("{not json\n"), nil, Options{OnFinding: func(*detect.Finding) {}},
		OnError(func(err error) { reported = append(reported, err) }))
	require.NoError(t, err)
	require.Len(t, reported, 1)
	var lineErr *capture.LineError
	require.ErrorAs(t, reported[0], &lineErr)
	assert.Equal(t, 1, lineErr.Line)
}

func TestScanFailsWhenTheCaptureCannotBeRead(t *testing.T) {
	rec := &recorder{id: "all", selected: []detect.SignatureEventSelector{sel("*", "*")}}
	_, err := Scan(failingReader{strings.NewReader("")}, []detect.Signature{rec}, Options{OnFinding: func(*detect.Finding) {}})
	require.ErrorContains(t, err, "read capture: ")
	assert.ErrorContains(t, err, "disk on fire")
	assert.True(t, rec.closed, "signatures are closed on failure too")
}

func TestScanRefusesASignatureThatCannotStart(t *testing.T) {
	_, err := Scan(strings.NewReader(""), []detect.Signature{&recorder{id: "PFD-X", initErr: errors.New("no config")}}, Options{OnFinding: func(*detect.Finding) {}})
	require.ErrorContains(t, err, "signature PFD-X: init: no config")
}

func TestHandlerForGivesEachSignatureItsOwnHandler(t *testing.T) {
	a := &recorder{id: "a", selected: []detect.SignatureEventSelector{sel("kill", "*")}}
	b := &recorder{id: "b", selected: []detect.SignatureEventSelector{sel("kill", "*")}}
	var got []string
	e, err := New([]detect.Signature{a, b}, Options{
		OnFinding: func(f *detect.Finding) { got = append(got, "default:"+f.SigMetadata.ID) },
		HandlerFor: func(s detect.Signature) detect.SignatureHandler {
			if s != detect.Signature(b) {
				return nil
			}
			return func(f *detect.Finding) { got = append(got, "own:"+f.SigMetadata.ID) }
		},
	})
	require.NoError(t, err)
	require.NoError(t, e.Dispatch(&trace.Event{EventName: "kill"}))
	assert.Equal(t, []string{"default:a", "own:b"}, got)
}
