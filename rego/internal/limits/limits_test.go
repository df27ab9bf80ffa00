package limits

import (
	"errors"
	"math"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func terms(t *testing.T, args ...string) []*ast.Term {
	t.Helper()
	out := make([]*ast.Term, len(args))
	for i, a := range args {
		var err error
		out[i], err = ast.ParseTerm(a)
		require.NoError(t, err, a)
	}
	return out
}

func TestEstimate(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name     string
		builtin  string
		args     []string
		min, max int64 // the estimate lies in [min, max]
	}{
		{"numbers.range counts every number", "numbers.range", []string{"1", "200000000"}, 200000000 * ElemCost, math.MaxInt64},
		{"a reversed range counts the same", "numbers.range", []string{"200000000", "1"}, 200000000 * ElemCost, math.MaxInt64},
		{"a short range is small", "numbers.range", []string{"1", "10"}, 10 * ElemCost, 10 * (ElemCost + stringCost)},
		{"range_step divides by the step", "numbers.range_step", []string{"0", "1000", "10"}, 101 * ElemCost, 101 * (ElemCost + stringCost)},
		{"a range of huge numbers saturates", "numbers.range", []string{"1", "100000000000000000000000000"}, math.MaxInt64, math.MaxInt64},
		{"a range of non-numbers is left to the builtin", "numbers.range", []string{`"a"`, "10"}, 0, 0},
		{"array.concat adds the lengths", "array.concat", []string{"[1, 2]", "[3]"}, 3 * ElemCost, 3 * ElemCost},
		{"concat adds lengths and separators", "concat", []string{`", "`, `["ab", "cd", "e"]`}, 5 + 3*2, 5 + 3*2},
		{"concat of a set", "concat", []string{`""`, `{"ab", "cd"}`}, 4, 4},
		{"sprintf counts widths", "sprintf", []string{`"%1000000d%.5f"`, "[1, 2]"}, 1000005, 1000005 + 11 + 2*(ElemCost+stringCost) + 2*ElemCost},
		{"sprintf of a * width counts the largest", "sprintf", []string{`"%*d"`, "[5, 1]"}, fmtMaxWidth, 2 * fmtMaxWidth},
		{"replace of the empty string multiplies", "replace", []string{`"abcd"`, `""`, `"xyz"`}, 4 + 5*3, 4 + 5*3},
		{"replace of a pattern", "replace", []string{`"aaaa"`, `"aa"`, `"b"`}, 4 + 2, 4 + 2},
		{"strings.replace_n takes the worst pattern", "strings.replace_n", []string{`{"a": "bbbb", "": "c"}`, `"aaa"`}, 3 + 3*4, 3 + 3*4},
		{"regex.replace expands references", "regex.replace", []string{`"ab"`, `"."`, `"$0$0"`}, 2 + 3*(4+2*2), 2 + 3*(4+2*2)},
		{"json.marshal sizes its argument", "json.marshal", []string{`["abc"]`}, ElemCost + 3, ElemCost + 3 + stringCost},
		{"json.marshal_with_options adds indents", "json.marshal_with_options", []string{`[[1]]`, `{"indent": "    "}`}, 3 * 4, mib},
		{"walk counts paths", "walk", []string{`[[1, 2]]`}, 4 * ElemCost, mib},
		{"json.patch doubles per copy", "json.patch", []string{`{"a": "x"}`, `[{"op": "copy", "from": "", "path": "/b"}, {"op": "copy", "from": "", "path": "/c"}]`}, 4 * (2*ElemCost + 2), mib},
		{"split on the empty string makes one piece per byte", "split", []string{`"abcd"`, `""`}, 5 * ElemCost, 4 + 5*(ElemCost+stringCost)},
		{"bits.lsh grows with the shift", "bits.lsh", []string{"1", "80000"}, 10000 * 2, 10000*3 + 1},
		{"mul adds digits", "mul", []string{"12345", "678"}, 8, 8},
		{"an unguarded builtin is not estimated", "count", []string{"[1, 2]"}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := Estimate(tc.builtin, terms(t, tc.args...), math.MaxInt64)
			assert.GreaterOrEqual(t, n, tc.min)
			assert.LessOrEqual(t, n, tc.max)
		})
	}
}

func TestCheck(t *testing.T) {
	err := Check("numbers.range", terms(t, "1", "200000000"), 64<<20)
	var le *Error
	require.ErrorAs(t, err, &le)
	assert.True(t, errors.Is(err, ErrBudget))
	assert.Equal(t, "numbers.range", le.Builtin)
	assert.Equal(t, "memory budget exceeded: numbers.range would build about 8.94 GiB, over the budget of 64 MiB of one evaluation", err.Error())

	assert.NoError(t, Check("numbers.range", terms(t, "1", "1000"), 64<<20), "under the budget")
	assert.NoError(t, Check("numbers.range", terms(t, "1", "200000000"), 0), "no budget")
}

func TestSizeStopsPastTheLimit(t *testing.T) {
	big := ast.NewArray()
	for range 1000 {
		big = big.Append(ast.StringTerm("0123456789"))
	}
	full := Size(big, math.MaxInt64)
	assert.Equal(t, int64(1000*(ElemCost+10+stringCost)), full)
	cut := Size(big, 100)
	assert.Greater(t, cut, int64(100))
	assert.Less(t, cut, full, "counting stops once past the limit")

	size, nodes, depth := Shape(ast.MustParseTerm(`{"a": [1, {"b": 2}]}`).Value, math.MaxInt64)
	assert.Positive(t, size)
	assert.Equal(t, int64(7), nodes, "object, key, array, 1, object, key, 2")
	assert.Equal(t, 4, depth)
}

func TestErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		err  *Error
		want string
	}{
		{&Error{Builtin: "sprintf", Size: 3 << 30, Budget: 64 << 20}, "memory budget exceeded: sprintf would build about 3 GiB, over the budget of 64 MiB of one evaluation"},
		{&Error{Size: 70 << 20, Budget: 64 << 20}, "memory budget exceeded: the evaluation built more than 64 MiB (about 70 MiB)"},
		{&Error{Budget: 64 << 20}, "memory budget exceeded: the evaluation built more than 64 MiB"},
	} {
		assert.Equal(t, tc.want, tc.err.Error())
		assert.ErrorIs(t, tc.err, ErrBudget)
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{512: "512 B", 1024: "1 KiB", 1536: "1.50 KiB", 64 << 20: "64 MiB", 9600000000: "8.94 GiB"} {
		assert.Equal(t, want, Bytes(n), n)
	}
}

func TestSprintfWidth(t *testing.T) {
	for format, want := range map[string]int64{
		"plain":         0,
		"%d %s":         0,
		"%10d":          10,
		"%-5s|%05d":     10,
		"%.3f":          3,
		"%8.3f":         11,
		"%9999999d":     fmtMaxWidth,
		"%*d":           fmtMaxWidth,
		"100%% %1000d":  1000,
		"%1000000d%1d%": fmtMaxWidth + 1,
	} {
		assert.Equal(t, want, SprintfWidth(format), format)
	}
}
