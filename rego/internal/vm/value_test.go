package vm

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCompareMatchesOPA orders pairs of values as ast.Compare does.
func TestCompareMatchesOPA(t *testing.T) {
	values := []string{
		`null`, `false`, `true`, `-1`, `0`, `1`, `1.0`, `1.5`, `1e3`, `1000`, `9223372036854775807`,
		`18446744073709551616`, `""`, `"a"`, `"b"`, `"ä"`, `[]`, `[1]`, `[1, 2]`, `[2]`, `{}`, `{"a": 1}`,
		`{"a": 2}`, `{"b": 0}`, `set()`, `{1}`, `{1, 2}`, `{"x"}`,
	}
	for _, a := range values {
		for _, b := range values {
			x, y := ast.MustParseTerm(a).Value, ast.MustParseTerm(b).Value
			vx, err := FromAST(x)
			require.NoError(t, err)
			vy, err := FromAST(y)
			require.NoError(t, err)
			want := ast.Compare(x, y)
			assert.Equal(t, want, Compare(vx, vy), "%s vs %s", a, b)
			assert.Equal(t, want == 0, Equal(vx, vy), "%s == %s", a, b)
		}
	}
}

// TestValueRoundTrip converts OPA values to machine values and back, and
// to the Go values findings carry.
func TestValueRoundTrip(t *testing.T) {
	tests := []struct {
		rego string
		goes any
	}{
		{`null`, nil},
		{`true`, true},
		{`42`, 42},
		{`-7`, -7},
		{`1.5`, 1.5},
		{`1e3`, float64(1000)}, // as encoding/json reads it: not an integer literal
		{`18446744073709551615`, uint64(18446744073709551615)}, // exact, as findings carry it
		{`"x"`, "x"},
		{`[1, "a", [true]]`, []any{1, "a", []any{true}}},
		{`{"b": 1, "a": {"c": null}}`, map[string]any{"a": map[string]any{"c": nil}, "b": 1}},
		{`{"b", "a", 1}`, []any{1, "a", "b"}},
		{`{1: "one"}`, map[string]any{"1": "one"}},
	}
	for _, tt := range tests {
		t.Run(tt.rego, func(t *testing.T) {
			x := ast.MustParseTerm(tt.rego).Value
			v, err := FromAST(x)
			require.NoError(t, err)
			assert.Equal(t, 0, ast.Compare(x, v.AST()))
			assert.Equal(t, tt.goes, v.Go())
		})
	}
	_, err := FromAST(ast.MustParseRef("data.x"))
	assert.Error(t, err, "a reference is not a value")
	assert.Equal(t, "<undefined>", Undefined.String())
}

// TestFrozenValuesAreCopiedOnWrite: a statement that adds to a shared
// constant changes a copy.
func TestFrozenValuesAreCopiedOnWrite(t *testing.T) {
	arr := Freeze(ArrayOf(Int(1)))
	obj := NewObject(1)
	obj.Insert(String("b"), Int(2))
	obj.Insert(String("a"), Int(1))
	o := Freeze(ObjectValue(obj))
	assert.True(t, obj.sorted && obj.frozen, "frozen objects are sorted once")
	assert.Equal(t, String("a"), obj.keys[0])

	a2 := arr.Array().thaw()
	a2.Append(Int(2))
	assert.Equal(t, 1, arr.Array().Len())
	o2 := o.Object().copy()
	o2.Insert(String("c"), Int(3))
	assert.Equal(t, 2, o.Object().Len())
}
