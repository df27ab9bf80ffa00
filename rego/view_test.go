package rego

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/rego/internal/vm"
	"github.com/pidfdsig/pidfdsig/target"
)

// TestViewMatchesInput: every member the plan machine's view of an event
// answers on its own (input.KEY, input.pidfdsig.call.KEY, ...) equals the
// same member of the input OPA's evaluator gets, and members the input
// lacks are lacking in the view, for every event of the scenarios and
// captures, under every field selection.
func TestViewMatchesInput(t *testing.T) {
	files, _ := filepath.Glob("../testdata/scenarios/*.jsonl")
	samples, _ := filepath.Glob("../testdata/tracee-samples/*.jsonl")
	tracker := target.NewTracker()
	rt := &Runtime{resolver: tracker}
	selections := []inputFields{allInputFields, fieldPidfdsig | fieldEventName, fieldUserID | fieldArgs, 0}
	n := 0
	for _, file := range append(files, samples...) {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		r := capture.NewReader(bytes.NewReader(b))
		for {
			var ev trace.Event
			err := r.Next(&ev)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				continue
			}
			tracker.Observe(&ev)
			broken := ev // a call that cannot be decoded: input.pidfdsig.error
			broken.Args = nil
			for _, ev := range []trace.Event{ev, broken} {
				var enr enrichment
				enrp := &enr
				if !rt.enrich(&ev, &enr) {
					enrp = nil
				}
				for _, fields := range selections {
					view := newInputView()
					view.reset(&ev, enrp, fields)
					requireSameObject(t, ast.NewTerm(buildInput(&ev, enrp, fields)), view, "input")
					n++
				}
			}
		}
	}
	require.Greater(t, n, 1000)
}

// requireSameObject compares a view with the object want, member by
// member, looking each up through the view's own Get.
func requireSameObject(t *testing.T, want *ast.Term, view vm.Lazy, path string) {
	t.Helper()
	obj, ok := want.Value.(ast.Object)
	require.True(t, ok, "%s: want an object, got %v", path, want)
	for _, key := range append(obj.Keys(), ast.StringTerm("no_such_key"), ast.StringTerm("")) {
		k := string(key.Value.(ast.String))
		got, found := view.Get(k)
		member := obj.Get(key)
		if member == nil {
			require.False(t, found, "%s.%s: the view has a member the input lacks", path, k)
			continue
		}
		require.True(t, found, "%s.%s: the view lacks a member", path, k)
		if l, ok := lazyOf(got); ok {
			requireSameObject(t, member, l, path+"."+k)
		}
		require.Equal(t, 0, ast.Compare(member.Value, got.AST()), "%s.%s: want %v, got %v", path, k, member, got)
	}
	whole := vm.ObjectValue(view.Object())
	require.Equal(t, 0, ast.Compare(obj, whole.AST()), "%s: the whole object differs", path)
}

// lazyOf returns the view behind a value, if it is one.
func lazyOf(v vm.Value) (vm.Lazy, bool) {
	l, ok := v.LazyValue()
	return l, ok
}
