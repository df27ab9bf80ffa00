package vm

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/stretchr/testify/assert"
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

// compileEntry plans and compiles entry of modules.
func compileEntry(t testing.TB, modules map[string]*ast.Module, entry string) *Program {
	t.Helper()
	pol, err := Plan(context.Background(), modules, []string{entry}, nil)
	require.NoError(t, err)
	prog, err := Compile(pol, Options{})
	require.NoError(t, err)
	return prog
}

// vmEval evaluates entry with m.
func vmEval(t testing.TB, m *Machine, entry string, input, data ast.Value) (ast.Value, error) {
	t.Helper()
	in, err := FromAST(input)
	require.NoError(t, err)
	d := ObjectValue(NewObject(0))
	if data != nil {
		d, err = FromAST(data)
		require.NoError(t, err)
	}
	out, err := m.Eval(entry, in, d)
	m.Release()
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
		{
			name: "literals folded once, changed per evaluation",
			policy: `package x
base := [1, 2]
grown := array.concat(base, [input.n])
rows := [row | some i in numbers.range(1, 3); row := [i, {"k": "v", "n": [1, {"deep": true}]}]]
objs := {k: [k, 1] | some k in ["b", "a", "c"]}
sets := {[2, "x"], [1, "y"], [1, "x"], {"a": 1}, "s", 3, null, false}
out := [base, grown, rows, objs, sets, count(sets), [x | some x in sets]]`,
			entry:  "x/out",
			inputs: []string{`{"n": 3}`, `{"n": "z"}`, `{}`},
		},
		{
			name: "numbers",
			policy: `package x
out := [input.a + input.b, input.a - input.b, input.a * input.b, input.a / input.b, input.a % input.b,
	input.a < input.b, input.a == input.b, bits.and(input.a, input.b), bits.or(input.a, input.b), round(input.a),
	abs(input.a), to_number(input.a), input.a > "x", null < input.a]`,
			entry: "x/out",
			inputs: []string{`{"a": 7, "b": 2}`, `{"a": -7, "b": 2}`, `{"a": 1.5, "b": 0.5}`, `{"a": 9223372036854775807, "b": 1}`,
				`{"a": -9223372036854775808, "b": -1}`, `{"a": 18446744073709551615, "b": 3}`, `{"a": 1e3, "b": 1000}`, `{"a": 1.0, "b": 1}`, `{"a": 3, "b": 0}`},
		},
		{
			name: "strings and lookups",
			policy: `package x
out := {"n": count(input.s), "sw": startswith(input.s, "ä"), "ew": endswith(input.s, "z"), "c": contains(input.s, "b"),
	"get": object.get(input, ["o", "a", 1, "b"], "dflt"), "get2": object.get(input.o, "a", 0), "get3": object.get(input, [], 0) == input,
	"idx": [input.arr[0], input.arr[-1], input.arr[1.0]], "in": ["x" in input.arr, 2 in input.o, "a" in {"a"}],
	"glob": [glob.match("*.c", ["/"], input.s), glob.match("a{b,c}*", [], input.s), glob.match("**", null, input.s), glob.match("[", [], input.s)],
	"sprintf": [sprintf("%d/%s/%v/%x", [input.arr[1], input.s, input.s, 255]), sprintf("%d", [1.5]), sprintf("%s", [1]), sprintf("%v", [[1]])],
	"concat": concat(",", {"b", "a"}), "union": object.union({"a": {"b": 1, "c": 2}, "d": 1}, {"a": {"b": 3}, "e": input.s}), "or": {1, 2} | {2, 3}}`,
			entry:  "x/out",
			inputs: []string{`{"s": "äbz", "o": {"a": [0, {"b": 7}]}, "arr": ["x", 2]}`, `{"s": 3, "o": {"a": 2}, "arr": []}`, `{"s": "src/a.c", "o": {}, "arr": [1]}`},
		},
		{
			name: "rule shapes",
			policy: `package x
p[k] := v if { some k, v in input.m; v > 1 }
q contains k if { some k, _ in input.m }
a.b.c := input.m.x if input.m.x
default f(_) := "dflt"
f(x) := "one" if x == 1
w := x if { x := p with input.m as {"z": 5} }
out := {"p": p, "q": q, "abc": a, "f": [f(1), f(2)], "w": w, "d": data.x.r}
r := 1`,
			entry:  "x/out",
			inputs: []string{`{"m": {"x": 3, "y": 1}}`, `{"m": {}}`, `{"m": "no"}`},
		},
		{
			name: "membership and set operations on input values",
			policy: `package x
out := {"in_arr": input.x in input.arr, "in_set": input.x in {y | some y in input.arr}, "in_obj": input.x in input.obj,
	"union": {y | some y in input.arr} | {input.x}, "idx": [input.arr[input.i]], "big": input.big + 0, "objkeys": count(input.obj),
	"kv": [k | some k, v in input.obj; v == input.x]}`,
			entry: "x/out",
			inputs: []string{`{"x": 2, "arr": [1, 2, "a"], "obj": {"a": 2, "b": 3}, "i": 1, "big": 18446744073709551615}`,
				`{"x": "z", "arr": [], "obj": {}, "i": 1.0, "big": -1}`, `{"x": null, "arr": [null], "obj": {"n": null}, "i": 1.5, "big": 1e400}`},
		},
		{
			name: "large objects and sets",
			policy: `package x
big := {sprintf("k%02d", [i]): i | some i in numbers.range(1, 40)}
out := [big[input.k], count(big), [k | some k, _ in big][0], {sprintf("%02d", [i]) | some i in numbers.range(1, 40)}[input.k]]`,
			entry:  "x/out",
			inputs: []string{`{"k": "k07"}`, `{"k": "07"}`, `{"k": 7}`},
		},
		{
			name: "walk gives every path and value, in OPA's order",
			policy: `package x
vals := [v | walk(input, [_, v])]
paths := [p | walk(input, [p, _])]
found if walk(input, [_, "secret"])
under contains v if walk(input, [["args", 0, _], v])
walked if walk(input)
out := {"vals": vals, "paths": paths, "found": found, "under": under, "walked": walked}`,
			entry:  "x/out",
			inputs: []string{`{"a": 1}`, `{"args": [{"name": "x", "value": "secret"}], "s": {"b", [1]}}`, `7`, `[]`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mods := parseModules(t, map[string]string{"p.rego": tt.policy})
			// One machine for every input, twice over: what an evaluation
			// leaves behind (memos, folded literals) must not change the next.
			m := compileEntry(t, mods, tt.entry).NewMachine()
			for round := 0; round < 2; round++ {
				for _, src := range tt.inputs {
					input := ast.MustParseTerm(src).Value
					want, wantErr := opaEval(t, mods, tt.entry, input, nil)
					got, gotErr := vmEval(t, m, tt.entry, input, nil)
					requireIdle(t, m)
					if wantErr != nil {
						require.Error(t, gotErr, "input %s: OPA failed with %v", src, wantErr)
						var te *topdown.Error
						require.ErrorAs(t, gotErr, &te)
						require.Equal(t, wantErr.(*topdown.Error).Code, te.Code)
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

// TestMachineStops: an evaluation runs out of time, or is cancelled, with
// OPA's cancel error; the machine then serves the next evaluation.
// topdownEval evaluates entry with OPA's evaluator as the runtime runs it:
// a topdown query on the compiled modules and a store of data, without
// the rego package's checks of the rules against the store.
func topdownEval(t testing.TB, modules map[string]*ast.Module, entry string, input, data ast.Value) (ast.Value, error) {
	t.Helper()
	c := ast.NewCompiler()
	if c.Compile(modules); c.Failed() {
		require.NoError(t, c.Errors)
	}
	ctx := context.Background()
	store := storeOf(t, data)
	txn, err := store.NewTransaction(ctx)
	require.NoError(t, err)
	defer store.Abort(ctx, txn)
	query := ast.NewBody(ast.NewExpr(ast.NewTerm(ast.MustParseRef("data." + strings.ReplaceAll(entry, "/", ".")))))
	rs, err := topdown.NewQuery(query).WithCompiler(c).WithStore(store).WithTransaction(txn).WithInput(ast.NewTerm(input)).Run(ctx)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	for _, v := range rs[0] {
		j, err := ast.JSON(v.Value)
		require.NoError(t, err)
		return ast.InterfaceToValue(j)
	}
	return nil, nil
}

// TestMachineMergesDataAndRules: a document made of base data and rules
// is merged as OPA merges it, the base document winning where both give a
// value that is not an object.
func TestMachineMergesDataAndRules(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		entry  string
		data   string
	}{
		{
			name: "disjoint keys and nested objects",
			policy: `package x
p := input.n
q.r := 2`,
			entry: "x",
			data:  `{"x": {"base": 1, "q": {"s": 3}}}`,
		},
		{
			name: "a rule and data give the same key",
			policy: `package x
k := "bar"
j := "rule"`,
			entry: "x",
			data:  `{"x": {"k": "foo"}}`,
		},
		{
			name: "a rule's object under a base scalar",
			policy: `package x
q.r := 2`,
			entry: "x",
			data:  `{"x": {"q": 7}}`,
		},
		{
			name: "nested objects merge, scalars from data win",
			policy: `package x
q.r := 2
q.s.t := "rule"`,
			entry: "x",
			data:  `{"x": {"q": {"s": {"t": "data", "u": 1}, "v": 3}}}`,
		},
		{
			name: "the conflicting key read directly",
			policy: `package x
k := "bar"`,
			entry: "x/k",
			data:  `{"x": {"k": "foo"}}`,
		},
		{
			name: "the whole tree from above",
			policy: `package x.y
k := "bar"
z := 1`,
			entry: "x",
			data:  `{"x": {"y": {"k": "foo"}, "w": true}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mods := parseModules(t, map[string]string{"p.rego": tt.policy, "y.rego": "package y\nout := data." + strings.ReplaceAll(tt.entry, "/", ".")})
			data := ast.MustParseTerm(tt.data).Value
			m := compileEntry(t, mods, "y/out").NewMachine()
			for _, src := range []string{`{"n": 1}`, `{}`} {
				input := ast.MustParseTerm(src).Value
				want, wantErr := topdownEval(t, mods, "y/out", input, data)
				got, err := vmEval(t, m, "y/out", input, data)
				require.Equal(t, wantErr == nil, err == nil, "OPA: %v, machine: %v", wantErr, err)
				require.Equal(t, 0, ast.Compare(want, got), "want %v, got %v", want, got)
			}
		})
	}
}

func TestMachineStops(t *testing.T) {
	mods := parseModules(t, map[string]string{"p.rego": `package x
slow if {
	some i in numbers.range(1, 100000)
	some j in numbers.range(1, 100000)
	i + j < 0
}
fast := input.n + 1`})
	pol, err := Plan(context.Background(), mods, []string{"x/slow", "x/fast"}, nil)
	require.NoError(t, err)
	prog, err := Compile(pol, Options{})
	require.NoError(t, err)
	tests := []struct {
		name  string
		setup func(m *Machine)
	}{
		{"timeout", func(m *Machine) { m.SetTimeout(20 * time.Millisecond) }},
		{"cancel", func(m *Machine) {
			c := topdown.NewCancel()
			c.Cancel()
			m.SetCancel(c)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := prog.NewMachine()
			tt.setup(m)
			// x/slow loops 10^10 times: a cancel error is the proof that
			// the machine stopped it (no wall-clock assertion, which a
			// loaded machine would break).
			_, err := m.Eval("x/slow", Null(), ObjectValue(NewObject(0)))
			require.Error(t, err)
			assert.True(t, topdown.IsCancel(err), "%v", err)
			if tt.name == "timeout" {
				in, err := FromAST(ast.MustParseTerm(`{"n": 1}`).Value)
				require.NoError(t, err)
				out, err := m.Eval("x/fast", in, ObjectValue(NewObject(0)))
				require.NoError(t, err)
				assert.Equal(t, Int(2), out)
			}
		})
	}
}

// TestMachinesShareAProgram: machines on several goroutines share one
// program, its folded literals and one frozen data document (run with
// -race).
func TestMachinesShareAProgram(t *testing.T) {
	mods := parseModules(t, map[string]string{"p.rego": `package x
out := {"sorted": [k | some k, _ in data.cfg], "lit": object.union({"b": [1, 2], "a": {"c": 1}}, {"n": input.n}), "s": {"z", "y", input.s}}`})
	prog := compileEntry(t, mods, "x/out")
	data, err := FromAST(ast.MustParseTerm(`{"cfg": {"b": 1, "a": 2, "c": 3}}`).Value)
	require.NoError(t, err)
	data = Freeze(data)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := prog.NewMachine()
			for i := 0; i < 200; i++ {
				in, _ := FromAST(ast.MustParseTerm(`{"n": 1, "s": "x"}`).Value)
				out, err := m.Eval("x/out", in, data)
				m.Release()
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, `{"lit": {"a": {"c": 1}, "b": [1, 2], "n": 1}, "s": {"x", "y", "z"}, "sorted": ["a", "b", "c"]}`, out.String())
			}
		}()
	}
	wg.Wait()
}

// requireIdle fails unless m holds no value of its last evaluation: the
// stack and the memo are clean after Release, whatever the evaluation did.
func requireIdle(t testing.TB, m *Machine) {
	t.Helper()
	for i, v := range m.stack {
		require.Equal(t, Value{}, v, "stack slot %d still holds a value", i)
	}
	for i, v := range m.memo {
		require.Equal(t, Value{}, v, "memo slot %d still holds a value", i)
	}
	require.Equal(t, Value{}, m.retval)
	require.Zero(t, m.sp)
}

// TestMachineBuiltinsWithContext: builtins that need OPA's random source
// get one, with OPA's answers for the same arguments within an evaluation.
func TestMachineBuiltinsWithContext(t *testing.T) {
	mods := parseModules(t, map[string]string{"p.rego": `package x
n := rand.intn("a", 100)
same if rand.intn("a", 100) == n
u := uuid.rfc4122("k")
out := {"n_in_range": n < 100, "same": same, "uuid_len": count(u), "uuid_same": u == uuid.rfc4122("k")}`})
	m := compileEntry(t, mods, "x/out").NewMachine()
	got, err := vmEval(t, m, "x/out", ast.NewObject(), nil)
	require.NoError(t, err)
	want := ast.MustParseTerm(`{"n_in_range": true, "same": true, "uuid_len": 36, "uuid_same": true}`).Value
	require.Equal(t, 0, ast.Compare(want, got), "got %v", got)
}

// TestCallFallbackRecovers: a panic in OPA's implementation of a builtin
// halts the evaluation with a builtin error naming it.
func TestCallFallbackRecovers(t *testing.T) {
	b := &builtin{name: "boom", fallback: func(topdown.BuiltinContext, []*ast.Term, func(*ast.Term) error) error {
		var m map[string]int
		m["x"] = 1 // a nil map: panics
		return nil
	}}
	loc := &ast.Location{Row: 3, Col: 1}
	out, err := callFallback(b, topdown.BuiltinContext{Location: loc}, nil)
	require.Nil(t, out)
	var halt topdown.Halt
	require.ErrorAs(t, err, &halt)
	var te *topdown.Error
	require.ErrorAs(t, halt.Err, &te)
	assert.Equal(t, topdown.BuiltinErr, te.Code)
	assert.Contains(t, te.Message, "boom: builtin failed")
	assert.Equal(t, loc, te.Location)
}

// panickyInput is a lazy input whose field "bad" panics when read.
type panickyInput struct{}

func (panickyInput) Get(key string) (Value, bool) {
	if key == "bad" {
		panic("field bad")
	}
	return Int(1), true
}

func (panickyInput) Object() *Object { panic("whole input") }

// TestMachineRecoversFromAPanic: a panic inside an evaluation is its
// error, and the machine serves the next evaluation cleanly.
func TestMachineRecoversFromAPanic(t *testing.T) {
	mods := parseModules(t, map[string]string{"p.rego": `package x
f(x) := y if { y := x + input.good }
out := [f(1), input[input.key]]`})
	m := compileEntry(t, mods, "x/out").NewMachine()
	tests := []struct {
		name    string
		key     string
		wantErr string
		want    string
	}{
		{name: "a panic while a rule reads the input", key: "bad", wantErr: "vm: evaluation failed: field bad"},
		{name: "the next evaluation is clean", key: "good", want: `[2, 1]`},
		{name: "again", key: "bad", wantErr: "vm: evaluation failed: field bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := LazyObject(NewLazy(keyed{key: tt.key}))
			out, err := m.Eval("x/out", input, ObjectValue(NewObject(0)))
			m.Release()
			requireIdle(t, m)
			if tt.wantErr != "" {
				var te *topdown.Error
				require.ErrorAs(t, err, &te)
				assert.Equal(t, topdown.InternalErr, te.Code)
				assert.Equal(t, tt.wantErr, te.Message)
				assert.False(t, out.Defined())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.String())
		})
	}
}

// keyed answers "key" with its key, and other fields as panickyInput.
type keyed struct {
	panickyInput
	key string
}

func (k keyed) Get(key string) (Value, bool) {
	if key == "key" {
		return String(k.key), true
	}
	return k.panickyInput.Get(key)
}
