package vm

import (
	"errors"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego/internal/limits"
)

// budgetPolicy builds what input.n asks for, in each way the budget
// counts.
const budgetPolicy = `package x

built := [i | some i in numbers.range(1, input.n)]

pairs := [[i, j] | r := numbers.range(1, input.n); some i in r; some j in r]

doubled := s if {
	s0 := "0123456789abcdef"
	s1 := concat("", [s0, s0, s0, s0, s0, s0, s0, s0])
	s2 := concat("", [s1, s1, s1, s1, s1, s1, s1, s1])
	s3 := concat("", [s2, s2, s2, s2, s2, s2, s2, s2])
	s4 := concat("", [s3, s3, s3, s3, s3, s3, s3, s3])
	s5 := concat("", [s4, s4, s4, s4, s4, s4, s4, s4])
	s := concat("", [s5, s5, s5, s5, s5, s5, s5, s5])
}

wide := sprintf("%1000000d%1000000d", [input.n, input.n])

small := count(built)
`

func TestMemoryBudget(t *testing.T) {
	mods := parseModules(t, map[string]string{"x.rego": budgetPolicy})
	for _, tc := range []struct {
		name    string
		entry   string
		n       int
		builtin string // the guarded call that would go over; "" when counted as built
	}{
		{"a huge range is refused before it runs", "x/built", 100000000, "numbers.range"},
		{"a cross product is counted as it grows", "x/pairs", 3000, ""},
		{"concat is checked before it runs", "x/doubled", 0, "concat"},
		{"sprintf widths are checked before it runs", "x/wide", 1, "sprintf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := compileEntry(t, mods, tc.entry).NewMachine()
			m.SetMemoryBudget(1 << 20)
			input := ast.MustParseTerm(`{"n": ` + itoa(tc.n) + `}`).Value
			_, err := vmEval(t, m, tc.entry, input, nil)
			var le *limits.Error
			require.ErrorAs(t, err, &le)
			assert.ErrorIs(t, err, limits.ErrBudget)
			assert.Equal(t, tc.builtin, le.Builtin)
			assert.Equal(t, int64(1<<20), le.Budget)

			m.SetMemoryBudget(0)
			if tc.n < 10000 {
				_, err = vmEval(t, m, tc.entry, ast.MustParseTerm(`{"n": 10}`).Value, nil)
				assert.NoError(t, err, "without a budget, and on a small input, the same machine evaluates")
			}
		})
	}
}

func TestMemoryBudgetIsPerEvaluation(t *testing.T) {
	mods := parseModules(t, map[string]string{"x.rego": budgetPolicy})
	m := compileEntry(t, mods, "x/small").NewMachine()
	m.SetMemoryBudget(256 << 10)
	for range 100 {
		v, err := vmEval(t, m, "x/small", ast.MustParseTerm(`{"n": 1000}`).Value, nil)
		require.NoError(t, err, "each evaluation builds under the budget; together they would not")
		assert.Equal(t, ast.Number("1000"), v)
	}
}

// A builtin OPA implements polls the machine's clock: a long call stops
// at the evaluation's time bound, without a memory budget.
func TestBuiltinsKeepTheMachinesTime(t *testing.T) {
	mods := parseModules(t, map[string]string{"x.rego": budgetPolicy})
	m := compileEntry(t, mods, "x/small").NewMachine()
	m.SetTimeout(20 * time.Millisecond)
	_, err := vmEval(t, m, "x/small", ast.MustParseTerm(`{"n": 1000000000000}`).Value, nil)
	require.Error(t, err)
	assert.True(t, topdown.IsCancel(err), "%v", err)
	var halt *topdown.Error
	require.True(t, errors.As(err, &halt))
	assert.Contains(t, halt.Message, "numbers.range")
}

func itoa(n int) string { return ast.IntNumberTerm(n).String() }
