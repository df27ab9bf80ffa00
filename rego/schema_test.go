package rego

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/open-policy-agent/opa/v1/ast"
	opa "github.com/open-policy-agent/opa/v1/rego"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

// captureEvents reads every event of every capture in testdata, Tracee
// v0.24.1's and the main branch's, by file.
func captureEvents(t *testing.T) map[string][]trace.Event {
	t.Helper()
	files, err := filepath.Glob("../testdata/*/*.jsonl")
	require.NoError(t, err)
	out := map[string][]trace.Event{}
	for _, file := range files {
		f, err := os.Open(file)
		require.NoError(t, err)
		evs, bad, err := capture.ReadAll(f)
		require.NoError(t, err, file)
		require.Empty(t, bad, file)
		out[file] = append(out[file], evs...)
		require.NoError(t, f.Close())
	}
	require.Greater(t, len(out), 20, "the captures in testdata")
	return out
}

// schemaValidator validates rule inputs against the input schema with
// OPA's own JSON Schema validation (json.match_schema), returning the
// violations.
func schemaValidator(t *testing.T) func(ast.Value) []any {
	t.Helper()
	schema, err := ast.ValueFromReader(bytes.NewReader(inputSchemaJSON))
	require.NoError(t, err)
	pq, err := opa.New(opa.Query("[ok, errs] := json.match_schema(input.doc, input.schema)")).
		PrepareForEval(context.Background())
	require.NoError(t, err)
	return func(doc ast.Value) []any {
		in := ast.NewObject(
			[2]*ast.Term{ast.StringTerm("doc"), ast.NewTerm(doc)},
			[2]*ast.Term{ast.StringTerm("schema"), ast.NewTerm(schema)},
		)
		rs, err := pq.Eval(context.Background(), opa.EvalParsedInput(in))
		require.NoError(t, err)
		require.Len(t, rs, 1)
		if rs[0].Bindings["ok"] == true {
			return nil
		}
		errs, _ := rs[0].Bindings["errs"].([]any)
		require.NotEmpty(t, errs, "a refused input names why")
		return errs
	}
}

// Every event of every real capture in testdata, as the runtime hands it
// to the rules (input.pidfdsig included, target resolved by the tracker),
// is valid under the published input schema.
func TestInputSchemaAcceptsEveryCapturedEvent(t *testing.T) {
	validate := schemaValidator(t)
	var sends int
	for file, evs := range captureEvents(t) {
		tracker := target.NewTracker()
		for i := range evs {
			ev := &evs[i]
			tracker.Observe(ev)
			var enr *enrichment
			if ev.EventName == events.EventPidfdSendSignal {
				sends++
				call, err := events.ParseSendSignal(ev)
				enr = &enrichment{call: call, parseErr: err}
				if err == nil {
					enr.target, enr.resolved = tracker.Resolve(ev, &call), true
				}
			}
			assert.Empty(t, validate(inputValue(ev, enr)), "%s event %d (%s)", file, i, ev.EventName)
		}
	}
	require.Greater(t, sends, 50, "pidfd_send_signal events checked")
}

// The schema refuses what a typo would read: it is closed where the
// runtime's input is, and typed.
func TestInputSchemaRefusesUnknownFields(t *testing.T) {
	validate := schemaValidator(t)
	for name, doc := range map[string]string{
		"unknown top-level field":  `{"processNmae": "x"}`,
		"unknown call field":       `{"pidfdsig": {"call": {"signl": "SIGKILL"}}}`,
		"unknown target field":     `{"pidfdsig": {"target": {"source": "tracked", "uidd": 0}}}`,
		"unknown sender field":     `{"pidfdsig": {"call": {"sender": {"pid": 1, "name": "x"}}}}`,
		"unknown argument field":   `{"args": [{"name": "sig", "type": "int32", "value": 9, "extra": 1}]}`,
		"a string where a number":  `{"userId": "0"}`,
		"an unknown target source": `{"pidfdsig": {"target": {"source": "guessed"}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			v, err := ast.ValueFromReader(bytes.NewReader([]byte(doc)))
			require.NoError(t, err)
			assert.NotEmpty(t, validate(v))
		})
	}
}

// The lines Tracee v0.24.1 wrote (`tracee --output json`, the rule input
// of old Tracee and of plain opa eval) are valid as they are. Lines of
// Tracee's main branch have another shape; the runtime converts them.
func TestInputSchemaAcceptsTraceeV0241LinesVerbatim(t *testing.T) {
	validate := schemaValidator(t)
	files, err := filepath.Glob("../testdata/*/*.jsonl")
	require.NoError(t, err)
	var lines int
	for _, file := range files {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		for i, line := range bytes.Split(bytes.TrimSpace(src), []byte("\n")) {
			v, err := ast.ValueFromReader(bytes.NewReader(line))
			require.NoError(t, err, "%s:%d", file, i+1)
			obj, ok := v.(ast.Object)
			if !ok || obj.Get(ast.StringTerm("eventName")) == nil {
				continue // the main branch's format
			}
			lines++
			assert.Empty(t, validate(v), "%s:%d", file, i+1)
		}
	}
	require.Greater(t, lines, 50, "v0.24.1 lines checked")
}
