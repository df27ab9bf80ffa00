package vm

import (
	"context"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/stretchr/testify/require"
)

// opaEval evaluates entry (a path such as "x/allow") with OPA's own
// evaluator: the reference the machine must agree with.
func opaEval(t testing.TB, modules map[string]*ast.Module, entry string, input, data ast.Value) (ast.Value, error) {
	t.Helper()
	opts := []func(*rego.Rego){
		rego.Query("data." + strings.ReplaceAll(entry, "/", ".")),
		rego.ParsedInput(input),
		rego.StrictBuiltinErrors(false),
	}
	for name, m := range modules {
		opts = append(opts, rego.ParsedModule(withFile(m, name)))
	}
	if data != nil {
		opts = append(opts, rego.Store(storeOf(t, data)))
	}
	rs, err := rego.New(opts...).Eval(context.Background())
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, nil
	}
	v, err := ast.InterfaceToValue(rs[0].Expressions[0].Value)
	require.NoError(t, err)
	return v, nil
}

// parseModules parses Rego sources keyed by file name.
func parseModules(t testing.TB, files map[string]string) map[string]*ast.Module {
	t.Helper()
	mods := make(map[string]*ast.Module, len(files))
	for name, src := range files {
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		require.NoError(t, err, name)
		mods[name] = m
	}
	return mods
}

func withFile(m *ast.Module, name string) *ast.Module {
	c := m.Copy()
	c.Package.Location.File = name
	return c
}

// vmEval evaluates entry with the machine.
func vmEval(t testing.TB, modules map[string]*ast.Module, entry string, input, data ast.Value) (ast.Value, error) {
	t.Helper()
	pol, err := Plan(context.Background(), modules, []string{entry}, nil)
	require.NoError(t, err)
	prog, err := Compile(pol, Options{})
	require.NoError(t, err)
	in, err := FromAST(input)
	require.NoError(t, err)
	d := ObjectValue(NewObject(0))
	if data != nil {
		d, err = FromAST(data)
		require.NoError(t, err)
	}
	out, err := prog.NewMachine().Eval(entry, in, d)
	if err != nil || !out.Defined() {
		return nil, err
	}
	// Through JSON, as OPA's result sets are: sets become arrays.
	j, err := ast.JSON(out.AST())
	require.NoError(t, err)
	v, err := ast.InterfaceToValue(j)
	require.NoError(t, err)
	return v, nil
}

func TestMachineMatchesOPA(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		entry  string
		inputs []string
	}{
		{
			name: "comparisons and else",
			policy: `package x
import rego.v1
default allow := false
allow if input.n > 3
allow if input.s == "yes"
grade := "big" if input.n > 100
else := "mid" if input.n > 10
else := "small"`,
			entry:  "x/allow",
			inputs: []string{`{"n": 4}`, `{"n": 1}`, `{"s": "yes"}`, `{"n": "a"}`, `{}`, `{"n": 3.5}`, `{"n": null}`},
		},
		{
			name: "else chain",
			policy: `package x
grade := "big" if input.n > 100
else := "mid" if input.n > 10
else := "small"`,
			entry:  "x/grade",
			inputs: []string{`{"n": 400}`, `{"n": 40}`, `{"n": 4}`, `{}`},
		},
		{
			name: "partial sets, negation, iteration",
			policy: `package x
reasons contains "many" if count(input.xs) > 2
reasons contains "odd" if { some x in input.xs; x % 2 == 1 }
reasons contains "none" if not input.xs
reasons contains r if { some r in input.extra; startswith(r, "r_") }
out := {"reasons": reasons, "n": count(reasons), "sorted": [r | some r in reasons]} if count(reasons) > 0`,
			entry:  "x/out",
			inputs: []string{`{"xs": [1,2,3]}`, `{"xs": [2]}`, `{}`, `{"xs": [2], "extra": ["r_b", "r_a", "x"]}`, `{"xs": "abc"}`},
		},
		{
			name: "functions, objects and conflicts",
			policy: `package x
f(a) := a * 2 if a > 0
f(a) := 0 if a <= 0
g := {k: f(v) | some k, v in input.m}
h := object.union(g, {"extra": object.get(input, "missing", "default")})
conflict := 1 if input.c
conflict := 2 if input.c`,
			entry:  "x/h",
			inputs: []string{`{"m": {"a": 1, "b": -3, "c": 2.5}}`, `{"m": {}}`, `{"m": 3}`},
		},
		{
			name: "conflict error",
			policy: `package x
conflict := 1 if input.c
conflict := 2 if input.c`,
			entry:  "x/conflict",
			inputs: []string{`{"c": true}`, `{}`},
		},
		{
			name: "every, with and builtins",
			policy: `package x
all_small if every x in input.xs { x < 10 }
check := [all_small, sprintf("%d-%s", [count(input.xs), upper(input.s)]), bits.and(input.f, 3), glob.match("a*", [], input.s), regex.match("^a", input.s)] if true
with_check := v if { v := all_small with input.xs as [100] }
`,
			entry:  "x/check",
			inputs: []string{`{"xs": [1, 2], "s": "abc", "f": 7}`, `{"xs": [1, 20], "s": "b", "f": 9}`, `{"xs": [], "s": 1, "f": "x"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mods := parseModules(t, map[string]string{"p.rego": tt.policy})
			for _, src := range tt.inputs {
				input := ast.MustParseTerm(src).Value
				want, wantErr := opaEval(t, mods, tt.entry, input, nil)
				got, gotErr := vmEval(t, mods, tt.entry, input, nil)
				if wantErr != nil {
					require.Error(t, gotErr, "input %s: OPA failed with %v", src, wantErr)
					continue
				}
				require.NoError(t, gotErr, "input %s", src)
				if want == nil {
					require.Nil(t, got, "input %s", src)
					continue
				}
				require.NotNil(t, got, "input %s: want %v", src, want)
				require.Equal(t, 0, ast.Compare(want, got), "input %s: want %v, got %v", src, want, got)
			}
		})
	}
}

func storeOf(t testing.TB, data ast.Value) storage.Store {
	t.Helper()
	v, err := ast.JSON(data)
	require.NoError(t, err)
	return inmem.NewFromObject(v.(map[string]any))
}
