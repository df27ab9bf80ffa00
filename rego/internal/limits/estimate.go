package limits

import (
	"math"
	"math/big"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// fmtMaxWidth is the largest width or precision Go's fmt accepts (larger
// ones print %!(BADWIDTH)); OPA's sprintf formats with it.
const fmtMaxWidth = 1e6

// estimator returns about how many bytes a call with args would build,
// counting sizes up to limit (a result above limit may be any number
// above it).
type estimator func(args []*ast.Term, limit int64) int64

// estimators are the builtins whose output can be far larger than their
// arguments, or larger than the time bound lets them build: each call is
// checked before it starts.
var estimators = map[string]estimator{
	"numbers.range":                    numbersRange,
	"numbers.range_step":               numbersRange,
	"array.concat":                     arrayConcat,
	"concat":                           concatStrings,
	"sprintf":                          sprintf,
	"replace":                          replace,
	"strings.replace_n":                replaceN,
	"regex.replace":                    regexReplace,
	"json.marshal":                     marshal(1),
	"json.marshal_with_options":        marshalWithOptions,
	"yaml.marshal":                     marshal(2),
	"json.patch":                       jsonPatch,
	"walk":                             walk,
	"split":                            split,
	"regex.split":                      perByte(0),
	"regex.find_n":                     perByte(1),
	"regex.find_all_string_submatch_n": perByte(1),
	"indexof_n":                        perByte(0),
	"json.unmarshal":                   unmarshal,
	"yaml.unmarshal":                   unmarshal,
	"bits.lsh":                         shiftLeft,
	"mul":                              multiply,
}

// Guarded reports whether calls of builtin name are estimated before they
// run.
func Guarded(name string) bool {
	_, ok := estimators[name]
	return ok
}

// GuardedNames returns the builtins Estimate knows.
func GuardedNames() []string {
	out := make([]string, 0, len(estimators))
	for name := range estimators {
		out = append(out, name)
	}
	return out
}

// Estimate returns about how many bytes a call of builtin name with args
// would build, counting up to limit; 0 for a builtin it does not know or
// arguments the builtin will reject.
func Estimate(name string, args []*ast.Term, limit int64) int64 {
	f := estimators[name]
	if f == nil {
		return 0
	}
	return f(args, limit)
}

// Check returns an *Error when a call of builtin name with args would
// build more than budget bytes.
func Check(name string, args []*ast.Term, budget int64) error {
	if budget <= 0 {
		return nil
	}
	if n := Estimate(name, args, budget); n > budget {
		return &Error{Builtin: name, Size: n, Budget: budget}
	}
	return nil
}

func str(args []*ast.Term, i int) string {
	if i < len(args) {
		if s, ok := args[i].Value.(ast.String); ok {
			return string(s)
		}
	}
	return ""
}

func size(args []*ast.Term, i int, limit int64) int64 {
	if i < len(args) {
		return Size(args[i].Value, limit)
	}
	return 0
}

// bigInt returns an integer argument, nil when it is not one.
func bigInt(args []*ast.Term, i int) *big.Int {
	if i >= len(args) {
		return nil
	}
	n, ok := args[i].Value.(ast.Number)
	if !ok {
		return nil
	}
	x, ok := new(big.Int).SetString(string(n), 10)
	if !ok {
		return nil
	}
	return x
}

// saturate returns x, or MaxInt64 when it does not fit.
func saturate(x *big.Int) int64 {
	if !x.IsInt64() {
		return math.MaxInt64
	}
	return x.Int64()
}

// add returns a+b, saturated.
func add(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// times returns a*b for non-negative numbers, saturated.
func times(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

func numbersRange(args []*ast.Term, _ int64) int64 {
	a, b := bigInt(args, 0), bigInt(args, 1)
	if a == nil || b == nil {
		return 0
	}
	n := new(big.Int).Sub(b, a)
	n.Abs(n)
	if len(args) > 2 {
		step := bigInt(args, 2)
		if step == nil || step.Sign() <= 0 {
			return 0
		}
		n.Quo(n, step)
	}
	n.Add(n, big.NewInt(1))
	return times(saturate(n), ElemCost+stringCost)
}

func arrayConcat(args []*ast.Term, _ int64) int64 {
	var n int64
	for _, a := range args[:min(2, len(args))] {
		if arr, ok := a.Value.(*ast.Array); ok {
			n += int64(arr.Len())
		}
	}
	return n * ElemCost
}

func concatStrings(args []*ast.Term, limit int64) int64 {
	sep := int64(len(str(args, 0)))
	var total, n int64
	add1 := func(t *ast.Term) {
		if s, ok := t.Value.(ast.String); ok {
			total = add(total, int64(len(s)))
		}
		n++
	}
	if len(args) < 2 {
		return 0
	}
	switch c := args[1].Value.(type) {
	case *ast.Array:
		for i := 0; i < c.Len() && total <= limit; i++ {
			add1(c.Elem(i))
		}
	case ast.Set:
		c.Foreach(add1)
	}
	return add(total, times(sep, n))
}

// SprintfWidth returns the sum of the widths and precisions of format's
// verbs: what they may add to the printed arguments. A width taken from
// the arguments (*) counts as the largest fmt accepts.
func SprintfWidth(format string) int64 {
	var total int64
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		total += number(format, &i)
		if i < len(format) && format[i] == '.' {
			i++
			total += number(format, &i)
		}
	}
	return total
}

// number reads a width at format[*i]: digits, or * for one from the
// arguments.
func number(format string, i *int) int64 {
	if *i < len(format) && format[*i] == '*' {
		*i++
		return fmtMaxWidth
	}
	var n int64
	for *i < len(format) && format[*i] >= '0' && format[*i] <= '9' {
		if n <= fmtMaxWidth {
			n = n*10 + int64(format[*i]-'0')
		}
		*i++
	}
	return min(n, fmtMaxWidth)
}

func sprintf(args []*ast.Term, limit int64) int64 {
	f := str(args, 0)
	return add(int64(len(f))+SprintfWidth(f), size(args, 1, limit))
}

func replace(args []*ast.Term, _ int64) int64 {
	s, old, repl := str(args, 0), str(args, 1), str(args, 2)
	return replaced(int64(len(s)), int64(len(old)), int64(len(repl)))
}

// replaced is the largest result of replacing, in a string of n bytes,
// every match of a pattern of oldLen bytes (0 matches between bytes) with
// newLen bytes.
func replaced(n, oldLen, newLen int64) int64 {
	matches := n + 1
	if oldLen > 0 {
		matches = n / oldLen
	}
	return add(n, times(matches, newLen))
}

func replaceN(args []*ast.Term, _ int64) int64 {
	s := int64(len(str(args, 1)))
	patterns, ok := args[0].Value.(ast.Object)
	if !ok {
		return 0
	}
	var worst int64
	patterns.Foreach(func(k, v *ast.Term) {
		o, _ := k.Value.(ast.String)
		n, _ := v.Value.(ast.String)
		worst = max(worst, replaced(s, int64(len(o)), int64(len(n))))
	})
	return worst
}

// regexReplace: each match (at most one per byte, and one at the end) is
// replaced by the replacement, whose $1-style references can each expand
// to the whole string.
func regexReplace(args []*ast.Term, _ int64) int64 {
	s, repl := int64(len(str(args, 0))), str(args, 2)
	each := add(int64(len(repl)), times(int64(strings.Count(repl, "$")), s))
	return add(s, times(s+1, each))
}

func marshal(factor int64) estimator {
	return func(args []*ast.Term, limit int64) int64 {
		return times(size(args, 0, limit), factor)
	}
}

// marshalWithOptions: indenting writes the prefix and one indent per
// level on every line.
func marshalWithOptions(args []*ast.Term, limit int64) int64 {
	if len(args) < 2 {
		return 0
	}
	sz, nodes, depth := Shape(args[0].Value, limit)
	var perLine int64
	if opts, ok := args[1].Value.(ast.Object); ok {
		for _, key := range []string{"prefix", "indent"} {
			if t := opts.Get(ast.StringTerm(key)); t != nil {
				if s, ok := t.Value.(ast.String); ok {
					n := int64(len(s))
					if key == "indent" {
						n = times(n, int64(depth))
					}
					perLine = add(perLine, n)
				}
			}
		}
	}
	return add(sz, times(nodes, perLine))
}

// jsonPatch: each copy can double the document; each add or replace adds
// its value.
func jsonPatch(args []*ast.Term, limit int64) int64 {
	if len(args) < 2 {
		return 0
	}
	doc := Size(args[0].Value, limit)
	ops, ok := args[1].Value.(*ast.Array)
	if !ok {
		return 0
	}
	total := add(doc, Size(ops, limit))
	for i := 0; i < ops.Len() && total <= limit; i++ {
		op, ok := ops.Elem(i).Value.(ast.Object)
		if !ok {
			continue
		}
		if kind := op.Get(ast.StringTerm("op")); kind != nil && kind.Value.Compare(ast.String("copy")) == 0 {
			total = times(total, 2)
		}
	}
	return total
}

// walk yields every node with its path: depth elements per node at most.
func walk(args []*ast.Term, limit int64) int64 {
	if len(args) < 1 {
		return 0
	}
	sz, nodes, depth := Shape(args[0].Value, limit)
	return add(sz, times(nodes, times(int64(depth)+2, ElemCost)))
}

func split(args []*ast.Term, _ int64) int64 {
	s, sep := int64(len(str(args, 0))), int64(len(str(args, 1)))
	pieces := s + 1
	if sep > 0 {
		pieces = s/sep + 1
	}
	return add(s, times(pieces, ElemCost+stringCost))
}

// perByte: at most one result per byte of the string argument.
func perByte(arg int) estimator {
	return func(args []*ast.Term, _ int64) int64 {
		s := int64(len(str(args, arg)))
		return times(s+1, ElemCost+stringCost)
	}
}

// unmarshal: the densest JSON ("[0,0,...]") makes one element per two
// bytes.
func unmarshal(args []*ast.Term, _ int64) int64 {
	return times(int64(len(str(args, 0)))/2+1, ElemCost+stringCost)
}

// shiftLeft: a << b is b bits longer than a.
func shiftLeft(args []*ast.Term, _ int64) int64 {
	b := bigInt(args, 1)
	if b == nil || b.Sign() < 0 {
		return 0
	}
	return add(saturate(b)/8*3, multiply(args[:1], 0)) // printed in decimal: ~2.4 digits a byte
}

// multiply: a product has as many digits as its factors together.
func multiply(args []*ast.Term, _ int64) int64 {
	var n int64
	for _, a := range args {
		if x, ok := a.Value.(ast.Number); ok {
			n += int64(len(x))
		}
	}
	return n
}
