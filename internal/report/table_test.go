package report

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/rego"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// sampleEvents reads every Tracee capture under testdata/tracee-samples.
func sampleEvents(t *testing.T) []trace.Event {
	t.Helper()
	files, err := filepath.Glob("../../testdata/tracee-samples/*.jsonl")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var evs []trace.Event
	for _, file := range files {
		f, err := os.Open(file)
		require.NoError(t, err)
		read, bad, err := capture.ReadAll(f)
		require.NoError(t, err, file)
		require.Empty(t, bad, file)
		evs = append(evs, read...)
		require.NoError(t, f.Close())
	}
	return evs
}

// findingsOf runs sigs over evs (every signature sees every event, as
// signatures.ExampleNew does) and returns their findings.
func findingsOf(t *testing.T, sigs []detect.Signature, evs []trace.Event) []*detect.Finding {
	t.Helper()
	var found []*detect.Finding
	for _, s := range sigs {
		require.NoError(t, s.Init(detect.SignatureContext{Callback: func(f *detect.Finding) { found = append(found, f) }}))
	}
	for _, ev := range evs {
		for _, s := range sigs {
			require.NoError(t, s.OnEvent(ev.ToProtocol()))
		}
	}
	return found
}

// goFindings runs the built-in Go signatures over evs.
func goFindings(t *testing.T, evs []trace.Event) []*detect.Finding {
	t.Helper()
	sigs, err := signatures.New(signatures.DefaultConfig(), signatures.WithResolver(target.NewTracker()))
	require.NoError(t, err)
	return findingsOf(t, sigs, evs)
}

// render writes findings through a Table and returns each one's block.
func render(t *testing.T, engine string, fs ...*detect.Finding) []string {
	t.Helper()
	var blocks []string
	for _, f := range fs {
		var buf bytes.Buffer
		table := NewTable(&buf)
		require.NoError(t, table.WriteFrom(f, Origin{Engine: engine}))
		require.NoError(t, table.Flush())
		blocks = append(blocks, buf.String())
	}
	return blocks
}

// withoutEvent drops the events named name: a capture that started late.
func withoutEvent(evs []trace.Event, name string) []trace.Event {
	var kept []trace.Event
	for _, ev := range evs {
		if ev.EventName != name {
			kept = append(kept, ev)
		}
	}
	return kept
}

func TestTableSaysWhyForEveryRealFinding(t *testing.T) {
	evs := sampleEvents(t)
	findings := goFindings(t, evs)
	require.NotEmpty(t, findings)
	blocks := render(t, "", findings...)
	for i, f := range findings {
		block := blocks[i]
		lines := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
		t.Run(f.SigMetadata.ID, func(t *testing.T) {
			assert.Regexp(t, `^20\d\d-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC  `, lines[0], "date and time in UTC first")
			assert.Contains(t, lines[0], f.SigMetadata.ID+" "+f.SigMetadata.Name+" ("+f.SigMetadata.EventName+")")
			assert.Regexp(t, `  (info|low|medium|high|critical)$`, lines[0], "severity in words")
			require.Len(t, lines, 3, "a heading, the call and why:\n%s", block)
			call := lines[1]
			assert.True(t, strings.HasPrefix(call, "    "+f.Data["signal"].(string)+" sent by "), call)
			sender := f.Data["sender"].(signatures.DataObject)
			assert.Contains(t, call, " sent by pidfd-trigger (pid "+valueText(sender["host_pid"])+", uid 0) to ")
			tgt := f.Data["target"].(signatures.DataObject)
			assert.Contains(t, call, " to process (pid "+valueText(tgt["host_pid"])+", uid unknown; pidfd followed from pidfd_open), ")
			wantResult := "ok"
			if errno := f.Data["errno"].(string); errno != "" {
				wantResult = errno + " (" + errnoMeanings[errno] + ")"
			}
			assert.True(t, strings.HasSuffix(call, ", result "+wantResult), call)
			for _, name := range f.Data["flag_names"].([]string) {
				assert.Contains(t, call, ", flags "+name)
			}
			assert.True(t, strings.HasPrefix(lines[2], "    why: "), lines[2])
			for _, r := range f.Data["reasons"].([]string) {
				assert.Contains(t, lines[2], reasonPhrases[r])
			}
			for _, jargon := range []string{"<nil>", "via tracked", "?", "map["} {
				assert.NotContains(t, block, jargon)
			}
		})
	}
}

func TestTableNamesWhatEachSignatureFound(t *testing.T) {
	blocks := strings.Join(render(t, "", goFindings(t, sampleEvents(t))...), "")
	tests := []struct {
		name string
		want string
	}{
		{"PFD-2 names the process-group flag", "flags PIDFD_SIGNAL_PROCESS_GROUP, result ok"},
		{"PFD-2 shows an unknown flag bit in hex", "flags 0x8, result EINVAL"},
		{"PFD-2 says why a process-group signal matters", "why: signals a whole process group at once"},
		{"PFD-3 points at the forged siginfo", "; caller-supplied siginfo at 0x7ff"},
		{"PFD-3 says no flags in words", "flags none, result EPERM"},
		{"an errno says in short what it means", "result EPERM (not permitted: another user's process, or a forged siginfo)\n"},
		{"severity 1 reads low", "  low\n    SIGUSR1 "},
		{"severity 2 reads medium", "  medium\n    SIGUSR2 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Contains(t, blocks, tt.want)
		})
	}
}

func TestTableExplainsAnUnknownTarget(t *testing.T) {
	// Without its pidfd_open the capture cannot tell which process the fd
	// points at: the findings say so, with the tracker's reason.
	findings := goFindings(t, withoutEvent(sampleEvents(t), "pidfd_open"))
	require.NotEmpty(t, findings)
	for _, block := range render(t, "", findings...) {
		assert.Contains(t, block, " to unknown target (fd not tracked")
		assert.NotContains(t, block, "<nil>")
	}
}

func TestTableShowsACustomRulesData(t *testing.T) {
	tracker := target.NewTracker()
	rt, err := rego.New(rego.WithoutBuiltinRules(), rego.WithoutEnvironment(), rego.WithResolver(tracker),
		rego.WithRuleDirs("../../rego/testdata/rules/user"))
	require.NoError(t, err)
	require.Empty(t, rt.LoadErrors())
	findings := findingsOf(t, rt.Signatures(), sampleEvents(t))
	require.NotEmpty(t, findings)
	for _, block := range render(t, "rego", findings...) {
		assert.Contains(t, block, "USER-1 SIGUSR1 through a pidfd (pidfd_sigusr1) [rego]  info\n    SIGUSR1 in pidfd_send_signal by pidfd-trigger (pid ",
			"known fields in words, the causal event's process for a sender")
		assert.Contains(t, block, "    data: target_source=tracked\n", "the rule's own data as key=value")
		for _, noise := range []string{"<nil>", "flags", "?", "result"} {
			assert.NotContains(t, block, noise, "nothing the rule did not give")
		}
	}
}

func TestTableShowsTheOrigin(t *testing.T) {
	f := goFindings(t, sampleEvents(t))[0]
	tests := []struct {
		name  string
		from  Origin
		want  *regexp.Regexp
		blank string
	}{
		{"the engine after the signature", Origin{Engine: "go"}, regexp.MustCompile(`^\S+ \S+ UTC  PFD-2 .*\(pidfd_unusual_flags\) \[go\]  medium\n`), ""},
		{"the input and line after the time", Origin{Where: "trigger.jsonl:7"}, regexp.MustCompile(`^\S+ \S+ UTC  trigger\.jsonl:7  PFD-2 .*\(pidfd_unusual_flags\)  medium`), "[]"},
		{"nothing when unknown", Origin{}, regexp.MustCompile(`^\S+ \S+ UTC  PFD-2 `), "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, NewTable(&buf).WriteFrom(f, tt.from))
			assert.Regexp(t, tt.want, buf.String())
			if tt.blank != "" {
				assert.NotContains(t, buf.String(), tt.blank)
			}
		})
	}
}

func TestSeverityWords(t *testing.T) {
	tests := []struct {
		name string
		in   interface{}
		want string
	}{
		{"0 is info", 0, "info"},
		{"1 is low", int64(1), "low"},
		{"2 from a Rego rule's JSON number is medium", float64(2), "medium"},
		{"3 as json.Number is high", json.Number("3"), "high"},
		{"4 is critical", 4, "critical"},
		{"out of range is shown as given", 7, "severity 7"},
		{"a word is shown as given", "urgent", "severity urgent"},
		{"missing says so", nil, "severity unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, severityWord(tt.in))
		})
	}
}

func TestOtherDataRendersValuesSorted(t *testing.T) {
	data := map[string]interface{}{
		"zeta": signatures.DataObject{"b": int64(2), "a": "x"}, "alpha": nil, "mid": "two words",
		"list": signatures.DataList{int64(1), int64(2)}, "signal": "SIGKILL",
	}
	assert.Equal(t, `alpha=null list=[1,2] mid="two words" zeta={"a":"x","b":2}`, otherData(data))
}

func TestTableSurvivesDataOfAnyShape(t *testing.T) {
	tests := []struct {
		name string
		data map[string]interface{}
		want string
	}{
		{"objects that are not objects are shown as data", map[string]interface{}{"sender": "root", "target": 5}, "data: sender=root target=5"},
		{"a non-string signal and errno are left to the data line", map[string]interface{}{"signal": 9, "errno": 1}, "data: errno=1 signal=9"},
		{"flags as text are not a number", map[string]interface{}{"flags": "four"}, "data: flags=four"},
		{"a rule's reasons are shown as named", map[string]interface{}{"reasons": []interface{}{"custom_reason", "delivered"}}, "why: custom_reason; the signal was delivered\n"},
		{"reasons that are not all strings are shown as data", map[string]interface{}{"reasons": []interface{}{"custom_reason", 3}}, `data: reasons=["custom_reason",3]`},
		{"null values read null", map[string]interface{}{"note": nil}, "data: note=null"},
		{"an unknown target without a reason says so", map[string]interface{}{"target": map[string]interface{}{"source": "unknown"}}, "to unknown target\n"},
		{"a target of a source we do not know keeps its name", map[string]interface{}{"target": map[string]interface{}{"source": "bpf", "host_pid": 7}}, "process (pid 7, uid unknown; learned from bpf)"},
		{"an errno the table has no words for is shown as named", map[string]interface{}{"errno": "ENOMEM"}, "result ENOMEM\n"},
		{"a failed call without errno shows its return", map[string]interface{}{"return": int64(-22)}, "result failed (return -22)"},
		{"an empty finding is a heading only", map[string]interface{}{}, "  severity unknown\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &detect.Finding{Data: tt.data, SigMetadata: detect.SignatureMetadata{ID: "X-1"}}
			var out string
			require.NotPanics(t, func() { out = render(t, "", f)[0] })
			assert.Contains(t, out, tt.want)
			assert.NotContains(t, out, "<nil>")
		})
	}
}

// BenchmarkTableWrite renders every finding of the Tracee samples.
func BenchmarkTableWrite(b *testing.B) {
	t := &testing.T{}
	findings := goFindings(t, sampleEvents(t))
	table := NewTable(io.Discard)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range findings {
			_ = table.WriteFrom(f, Origin{Where: "capture.jsonl:7", Engine: "go"})
		}
	}
}
