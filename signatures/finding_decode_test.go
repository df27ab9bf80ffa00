package signatures_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/engine"
	"github.com/pidfdsig/pidfdsig/signatures"
)

// scanFindings runs the built-in signatures over a capture with the public
// engine and returns their findings.
func scanFindings(t *testing.T, path string) []*detect.Finding {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sigs, err := signatures.New(signatures.DefaultConfig())
	require.NoError(t, err)
	var found []*detect.Finding
	_, err = engine.Scan(f, sigs, engine.Options{OnFinding: func(f *detect.Finding) { found = append(found, f) }})
	require.NoError(t, err)
	return found
}

// TestDecodeFindingTypesEveryKeyOfEveryRealFinding decodes every finding
// the signatures make on the scenario captures and the Tracee samples, and
// checks each typed field against the raw data it came from.
func TestDecodeFindingTypesEveryKeyOfEveryRealFinding(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join(scenarioDir, "*.jsonl"))
	require.NoError(t, err)
	samples, err := filepath.Glob(filepath.Join(samplesDir, "*.jsonl"))
	require.NoError(t, err)
	total := 0
	for _, in := range append(inputs, samples...) {
		for _, f := range scanFindings(t, in) {
			total++
			got, err := signatures.DecodeFinding(f)
			require.NoError(t, err, "%s: %s", in, f.SigMetadata.ID)
			d := f.Data
			assert.Nil(t, got.Extra, "%s: every key of a built-in finding has a field", in)
			assert.Equal(t, d["signal"], got.Signal)
			assert.Equal(t, d["sig"], got.Sig)
			assert.Equal(t, d["flags"], got.Flags)
			assert.Equal(t, d["flag_names"], got.FlagNames)
			assert.Equal(t, d["errno"], got.Errno)
			assert.Equal(t, d["return"], got.Return)
			assert.Equal(t, d["scope"], got.Scope)
			assert.Equal(t, d[signatures.DataReasons], got.Reasons)
			assert.NotEmpty(t, got.Reasons, "a built-in finding says why")
			assert.EqualValues(t, d["info"], got.Info)
			sender := d["sender"].(signatures.DataObject)
			require.NotNil(t, got.Sender)
			assert.Equal(t, sender["comm"], got.Sender.Comm)
			assert.Equal(t, sender["uid"], got.Sender.UID)
			assert.Equal(t, sender["host_pid"], got.Sender.HostPID)
			tg := d[signatures.DataTarget].(signatures.DataObject)
			require.NotNil(t, got.Target)
			assert.Equal(t, tg["source"], got.Target.Source)
			if uid, ok := tg["uid"]; ok {
				require.NotNil(t, got.Target.UID)
				assert.Equal(t, uid, *got.Target.UID)
			} else {
				assert.Nil(t, got.Target.UID, "an unknown uid stays nil, not 0 (root)")
			}
			if p, ok := d[signatures.DataProbe].(signatures.DataObject); ok {
				require.NotNil(t, got.Probe)
				assert.Equal(t, p["count"], got.Probe.Count)
				assert.Len(t, got.Probe.TargetHostPIDs, int(got.Probe.Count))
			}
			assert.Equal(t, d[signatures.DataSecurityTool] != nil, got.SecurityTool != "")
		}
	}
	assert.Greater(t, total, 20, "the captures give findings of every signature")
}

func TestDecodeFindingPerSignature(t *testing.T) {
	tests := []struct {
		name    string
		capture string
		id      string
		check   func(t *testing.T, f signatures.Finding)
	}{
		{"PFD-2 names the flags it judges", "pfd2_unusual_flags.jsonl", signatures.IDUnusualFlags, func(t *testing.T, f signatures.Finding) {
			if f.Flags&4 != 0 && !f.MultipleScopes {
				assert.Equal(t, []string{"PIDFD_SIGNAL_PROCESS_GROUP"}, f.FlagNames)
				assert.Contains(t, f.Reasons, "process_group_kill")
			}
			if f.UnknownFlags != 0 {
				assert.Contains(t, f.Reasons, "unknown_flags")
			}
		}},
		{"PFD-3 carries the siginfo address", "pfd3_forged_siginfo.jsonl", signatures.IDForgedSiginfo, func(t *testing.T, f signatures.Finding) {
			assert.NotZero(t, f.Info)
			assert.Equal(t, "EPERM", f.Errno)
		}},
		{"PFD-4 carries the probe pattern", "pfd4_signal_probe_scan.jsonl", signatures.IDSignalProbe, func(t *testing.T, f signatures.Finding) {
			require.NotNil(t, f.Probe)
			assert.NotEmpty(t, f.Probe.Window)
			assert.Equal(t, "SIG0", f.Signal)
		}},
		{"PFD-5 names the security tool", "pfd5_security_agent_kill.jsonl", signatures.IDSecurityToolKill, func(t *testing.T, f signatures.Finding) {
			assert.NotEmpty(t, f.SecurityTool)
		}},
		{"PFD-1 knows the target's uid", "pfd1_cross_user_kill.jsonl", signatures.IDCrossUserSignal, func(t *testing.T, f signatures.Finding) {
			require.NotNil(t, f.Target.UID)
			assert.NotEqual(t, f.Sender.UID, *f.Target.UID)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen int
			for _, f := range scanFindings(t, filepath.Join(scenarioDir, tt.capture)) {
				if f.SigMetadata.ID != tt.id {
					continue
				}
				seen++
				got, err := signatures.DecodeFinding(f)
				require.NoError(t, err)
				tt.check(t, got)
			}
			require.NotZero(t, seen, "no %s finding in %s", tt.id, tt.capture)
		})
	}
}

func TestDecodeFindingData(t *testing.T) {
	tests := []struct {
		name    string
		data    map[string]any
		want    signatures.Finding
		wantErr string
	}{
		{"a custom rule's own keys go to Extra",
			map[string]any{"sig": int64(10), "signal": "SIGUSR1", "note": "mine", "n": int64(3)},
			signatures.Finding{Sig: 10, Signal: "SIGUSR1", Extra: map[string]any{"note": "mine", "n": int64(3)}}, ""},
		{"plain maps and Go integer types built by hand decode too",
			map[string]any{"sender": map[string]any{"comm": "a", "uid": uint32(1000), "host_pid": int32(7)}, "flags": uint32(4)},
			signatures.Finding{Flags: 4, Sender: &signatures.FindingProcess{Comm: "a", UID: 1000, HostPID: 7}}, ""},
		{"an info address above MaxInt64 stays a uint64",
			map[string]any{"info": uint64(1 << 63)},
			signatures.Finding{Info: 1 << 63}, ""},
		{"a known key of the wrong type is an error naming it",
			map[string]any{"sender": signatures.DataObject{"uid": "root"}},
			signatures.Finding{Sender: &signatures.FindingProcess{}}, "finding data: sender.uid: want an integer, got string"},
		{"a reasons list that is not strings is an error",
			map[string]any{"reasons": signatures.DataList{int64(1)}},
			signatures.Finding{Reasons: []string{""}}, "finding data: reasons[0]: want a string, got int64"},
		{"no data decodes to the zero Finding", nil, signatures.Finding{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := signatures.DecodeFinding(&detect.Finding{Data: tt.data})
			if tt.wantErr != "" {
				var fe *signatures.FindingDataError
				require.ErrorAs(t, err, &fe)
				assert.EqualError(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
