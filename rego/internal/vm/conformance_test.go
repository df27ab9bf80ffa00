package vm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/test/cases"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/util"
	"github.com/stretchr/testify/require"
)

// OPA's conformance suite, from the OPA module this project pins: its
// cases for Rego v1, and the cases its own Wasm target is excused from.
const (
	opaModule          = "github.com/open-policy-agent/opa"
	conformanceCases   = "v1/test/cases/testdata/v1"
	conformanceExcused = "internal/wasm/sdk/test/e2e/exceptions.yaml"
)

// caseTimeout bounds one case: planning, compiling and evaluating it. A
// case still running after it is a hang.
const caseTimeout = 20 * time.Second

// queryPackage is the package of the rule each case's query becomes.
const queryPackage = "conformance_query"

// outcome is what became of one conformance case.
type outcome int

const (
	outcomePass        outcome = iota // OPA's answer
	outcomeUnplannable                // the planner or the machine refused it: the runtime falls back
	outcomeWrong                      // another answer than OPA's
	outcomePanic
	outcomeHang
)

func (o outcome) String() string {
	return [...]string{"pass", "unplannable", "wrong", "panic", "hang"}[o]
}

// opaModuleDir returns the directory of the pinned OPA module in the
// module cache.
func opaModuleDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", opaModule).Output()
	require.NoError(t, err, "go list -m %s", opaModule)
	dir := strings.TrimSpace(string(out))
	require.NotEmpty(t, dir, "the OPA module is not in the module cache")
	return dir
}

// TestConformance runs OPA's conformance suite through the plan machine,
// the way the runtime runs a rule: each case's query becomes a rule,
// planned with the case's modules, compiled, and evaluated on the case's
// input and its data frozen. Every case must give OPA's answer or be
// refused at planning (the runtime then gives the rule to OPA's
// evaluator); only the cases OPA excuses its own Wasm target from may
// differ.
func TestConformance(t *testing.T) {
	dir := opaModuleDir(t)
	set, err := cases.Load(filepath.Join(dir, conformanceCases))
	require.NoError(t, err)
	require.NotEmpty(t, set.Cases)
	excused := map[string]string{}
	raw, err := os.ReadFile(filepath.Join(dir, conformanceExcused))
	require.NoError(t, err)
	require.NoError(t, util.Unmarshal(raw, &excused))

	counts := map[outcome]int{}
	var failed, unplannable []string
	var excusedFailures int
	for _, tc := range set.Sorted().Cases {
		got, detail := runCaseBounded(tc)
		counts[got]++
		if got == outcomeUnplannable {
			unplannable = append(unplannable, tc.Note+": "+detail)
		}
		if got <= outcomeUnplannable {
			continue
		}
		if _, ok := excused[tc.Note]; ok {
			excusedFailures++
			continue
		}
		failed = append(failed, fmt.Sprintf("%s (%s): %s", tc.Note, got, detail))
	}
	t.Logf("OPA conformance: %d cases, %d pass, %d unplannable, %d wrong, %d panic, %d hang (%d of them excused as in OPA's Wasm exceptions)",
		len(set.Cases), counts[outcomePass], counts[outcomeUnplannable], counts[outcomeWrong],
		counts[outcomePanic], counts[outcomeHang], excusedFailures)
	if testing.Verbose() {
		t.Logf("unplannable (the runtime gives them to OPA's evaluator):\n%s", strings.Join(unplannable, "\n"))
	}
	require.Empty(t, failed, "conformance cases the machine got wrong:\n%s", strings.Join(failed, "\n"))
}

// runCaseBounded runs a case within caseTimeout, turning a panic into its
// outcome.
func runCaseBounded(tc cases.TestCase) (outcome, string) {
	type result struct {
		o      outcome
		detail string
	}
	cancel := topdown.NewCancel()
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{outcomePanic, fmt.Sprintf("%v\n%s", r, debug.Stack())}
			}
		}()
		o, d := runCase(tc, cancel)
		done <- result{o, d}
	}()
	timer := time.NewTimer(caseTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.o, r.detail
	case <-timer.C:
		cancel.Cancel()
		return outcomeHang, fmt.Sprintf("still running after %s", caseTimeout)
	}
}

// runCase plans, compiles and evaluates one case and compares its answer
// with the case's expectation.
func runCase(tc cases.TestCase, cancel topdown.Cancel) (outcome, string) {
	mods, err := caseModules(tc)
	if err != nil {
		return outcomeUnplannable, err.Error()
	}
	entry := queryPackage + "/results"
	pol, err := Plan(context.Background(), mods, []string{entry}, nil)
	if err != nil {
		return planOutcome(tc, err)
	}
	prog, err := Compile(pol, Options{})
	if err != nil {
		if errors.Is(err, ErrUnsupported) {
			return outcomeUnplannable, err.Error()
		}
		return outcomeWrong, "compile: " + err.Error()
	}
	input, data, err := caseDocuments(tc)
	if err != nil {
		return outcomeWrong, err.Error()
	}
	m := prog.NewMachine()
	m.SetCancel(cancel)
	out, evalErr := m.Eval(entry, input, data)
	return compareCase(tc, out, evalErr)
}

// planOutcome judges a case the planner refused: right when OPA's
// evaluator fails on it too (the modules do not compile), else a rule the
// runtime gives to OPA's evaluator.
func planOutcome(tc cases.TestCase, err error) (outcome, string) {
	if tc.WantErrorCode != nil || tc.WantError != nil {
		return outcomePass, ""
	}
	return outcomeUnplannable, err.Error()
}

// caseModules parses the case's modules and its query, made a rule: a
// partial set of the bindings of the query's variables, one member per
// solution, as OPA's result set.
func caseModules(tc cases.TestCase) (map[string]*ast.Module, error) {
	opts := ast.ParserOptions{RegoVersion: ast.RegoV1}
	mods := make(map[string]*ast.Module, len(tc.Modules)+1)
	for i, src := range tc.Modules {
		name := fmt.Sprintf("module-%d.rego", i)
		m, err := ast.ParseModuleWithOpts(name, src, opts)
		if err != nil {
			return nil, fmt.Errorf("module %d: %w", i, err)
		}
		mods[name] = m
	}
	body, err := ast.ParseBodyWithOpts(tc.Query, opts)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	var keys []string
	for _, v := range queryVars(body) {
		keys = append(keys, fmt.Sprintf("%q: %s", string(v), v))
	}
	src := fmt.Sprintf("package %s\n\nresults contains {%s} if {\n%s\n}\n", queryPackage, strings.Join(keys, ", "), tc.Query)
	m, err := ast.ParseModuleWithOpts("query.rego", src, opts)
	if err != nil {
		return nil, fmt.Errorf("query as a rule: %w", err)
	}
	mods["query.rego"] = m
	return mods, nil
}

// queryVars returns the variables a query binds that OPA reports: not
// the generated ones, nor those of comprehensions.
func queryVars(body ast.Body) []ast.Var {
	vis := ast.NewVarVisitor().WithParams(ast.VarVisitorParams{SkipRefHead: true, SkipClosures: true})
	vis.Walk(body)
	var out []ast.Var
	for v := range vis.Vars() {
		if v.IsGenerated() || v.IsWildcard() || strings.HasPrefix(string(v), "__") {
			continue
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// caseDocuments returns the case's input and data as the runtime passes
// them: converted once, the data frozen.
func caseDocuments(tc cases.TestCase) (input, data Value, err error) {
	input = Undefined
	switch {
	case tc.InputTerm != nil:
		t, err := ast.ParseTerm(*tc.InputTerm)
		if err != nil {
			return Undefined, Undefined, fmt.Errorf("input_term: %w", err)
		}
		if input, err = FromAST(t.Value); err != nil {
			return Undefined, Undefined, fmt.Errorf("input_term: %w", err)
		}
	case tc.Input != nil:
		v, err := ast.InterfaceToValue(*tc.Input)
		if err != nil {
			return Undefined, Undefined, fmt.Errorf("input: %w", err)
		}
		if input, err = FromAST(v); err != nil {
			return Undefined, Undefined, fmt.Errorf("input: %w", err)
		}
	}
	var d ast.Value = ast.NewObject()
	if tc.Data != nil {
		if d, err = ast.InterfaceToValue(*tc.Data); err != nil {
			return Undefined, Undefined, fmt.Errorf("data: %w", err)
		}
	}
	if data, err = FromAST(d); err != nil {
		return Undefined, Undefined, fmt.Errorf("data: %w", err)
	}
	return input, Freeze(data), nil
}

// compareCase compares the machine's answer with the case's expectation,
// as OPA's own Wasm conformance test does: errors by presence (and code,
// when the machine gives one), results as a set of bindings, through
// JSON.
func compareCase(tc cases.TestCase, out Value, err error) (outcome, string) {
	wantErr := (tc.WantErrorCode != nil || tc.WantError != nil) && !tc.StrictError
	switch {
	case wantErr && err == nil:
		return outcomeWrong, fmt.Sprintf("want error %s, got %s", errorWanted(tc), out)
	case wantErr:
		var te *topdown.Error
		if tc.WantErrorCode != nil && errors.As(err, &te) && te.Code != *tc.WantErrorCode {
			return outcomeWrong, fmt.Sprintf("want error code %s, got %v", *tc.WantErrorCode, err)
		}
		return outcomePass, ""
	case err != nil:
		return outcomeWrong, fmt.Sprintf("unexpected error: %v", err)
	}
	got, err := resultRows(out, tc.SortBindings)
	if err != nil {
		return outcomeWrong, err.Error()
	}
	switch {
	case tc.WantDefined != nil:
		if (got.Len() > 0) != *tc.WantDefined {
			return outcomeWrong, fmt.Sprintf("want defined %v, got %v", *tc.WantDefined, got)
		}
	case tc.WantResult != nil:
		want, err := wantRows(*tc.WantResult)
		if err != nil {
			return outcomeWrong, err.Error()
		}
		if want.Compare(got) != 0 {
			return outcomeWrong, fmt.Sprintf("want %v, got %v", want, got)
		}
	case tc.StrictError:
		if got.Len() > 0 {
			return outcomeWrong, fmt.Sprintf("want undefined (an error only with strict builtin errors), got %v", got)
		}
	}
	return outcomePass, ""
}

func errorWanted(tc cases.TestCase) string {
	if tc.WantErrorCode != nil {
		return *tc.WantErrorCode
	}
	return *tc.WantError
}

// resultRows turns the machine's set of bindings into a set of objects
// as they read after a trip through JSON (sets become arrays, sorted
// when the case compares bindings as sets).
func resultRows(out Value, sortBindings bool) (ast.Set, error) {
	rows := ast.NewSet()
	if !out.Defined() {
		return rows, nil
	}
	if out.Kind() != KindSet {
		return nil, fmt.Errorf("the query rule is not a set: %s", out)
	}
	for _, row := range out.Set().elems {
		j, err := ast.JSONWithOpt(row.AST(), ast.JSONOpt{SortSets: sortBindings})
		if err != nil {
			return nil, fmt.Errorf("result %s: %w", row, err)
		}
		v, err := ast.InterfaceToValue(j)
		if err != nil {
			return nil, fmt.Errorf("result %s: %w", row, err)
		}
		obj, ok := v.(ast.Object)
		if !ok {
			return nil, fmt.Errorf("result %s is not an object", row)
		}
		if sortBindings {
			obj, _ = obj.Map(func(k, v *ast.Term) (*ast.Term, *ast.Term, error) {
				if a, ok := v.Value.(*ast.Array); ok {
					return k, ast.NewTerm(a.Sorted()), nil
				}
				return k, v, nil
			})
		}
		rows.Add(ast.NewTerm(obj))
	}
	return rows, nil
}

// wantRows turns a case's expected bindings into a set of objects.
func wantRows(want []map[string]any) (ast.Set, error) {
	rows := ast.NewSet()
	for _, b := range want {
		v, err := ast.InterfaceToValue(b)
		if err != nil {
			return nil, fmt.Errorf("want_result: %w", err)
		}
		rows.Add(ast.NewTerm(v))
	}
	return rows, nil
}
