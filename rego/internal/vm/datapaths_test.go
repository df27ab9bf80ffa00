package vm

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/require"
)

// TestMachineReadsDataByPath: a reference into data finds what OPA's
// evaluator finds through its store's paths, a value taken out of data is
// looked up by type, each as OPA's evaluator does.
func TestMachineReadsDataByPath(t *testing.T) {
	const data = `{"nested": {"2": "bar", "k": 1, "deep": {"1": ["x", "y"]}}, "arr": [1, 2, 3]}`
	const input = `{"two": 2, "twos": "2", "k": "k", "one": "1", "onef": 1.0}`
	tests := []struct {
		name    string
		expr    string
		refused bool // the machine refuses it: OPA's evaluator answers
	}{
		{name: "a number key into an object", expr: `data.nested[2]`},
		{name: "a number key from the input into an object", expr: `data.nested[input.two]`},
		{name: "a string key from the input", expr: `data.nested[input.twos]`},
		{name: "a plain key", expr: `data.nested[input.k]`},
		{name: "an array index", expr: `data.arr[1]`},
		{name: "a string index into an array", expr: `data.arr["1"]`},
		{name: "a string index from the input", expr: `data.arr[input.one]`},
		{name: "a float index", expr: `data.arr[1.0]`},
		{name: "a float index from the input", expr: `data.arr[input.onef]`},
		{name: "a float key into an object", expr: `data.nested[2.0]`},
		{name: "nested path keys", expr: `data.nested.deep[1][1]`},
		{name: "after reading the whole document", expr: `data.nested[2] if count(data.nested) > 0`},
		{name: "a value taken out of data", expr: `x if { x := data.nested; x[2] }`},
		{name: "an array taken out of data", expr: `x if { a := data.arr; x := a["1"] }`},
		{name: "iteration keeps the keys", expr: `[k | some k, _ in data.nested]`},
		{name: "with replaces the document", expr: `x if { x := data.nested[2] with data.nested as {"2": "with"} }`, refused: true},
		{name: "with replaces the document by a number key", expr: `x if { x := data.nested[2] with data.nested as {2: "with"} }`, refused: true},
		{name: "with on data and plain keys", expr: `x if { x := data.nested.k with data.nested.k as 5 }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mods := parseModules(t, map[string]string{"p.rego": "package x\ndefault out := \"undefined\"\nout := " + tt.expr})
			in, d := ast.MustParseTerm(input).Value, ast.MustParseTerm(data).Value
			want, err := topdownEval(t, mods, "x/out", in, d)
			require.NoError(t, err)
			pol, err := Plan(context.Background(), mods, []string{"x/out"}, nil)
			require.NoError(t, err)
			prog, err := Compile(pol, Options{})
			if tt.refused {
				require.ErrorIs(t, err, ErrUnsupported)
				return
			}
			require.NoError(t, err)
			m := prog.NewMachine()
			got, err := vmEval(t, m, "x/out", in, d)
			require.NoError(t, err)
			require.Equal(t, 0, ast.Compare(want, got), "OPA: %v, machine: %v", want, got)
		})
	}
}
