// Package limits holds what both Rego engines of package rego share to
// bound the memory one evaluation builds: the error an evaluation over its
// budget ends with, how the size of a value is counted, and the estimates
// of what a builtin call is about to build, checked before the call so
// that a call that cannot be interrupted never starts when it would go
// over the budget.
//
// Sizes are approximate bytes: a string counts its length plus a word of
// overhead, every element of an array or set and every member of an
// object counts a fixed overhead (ElemCost), in the ballpark of what the
// plan machine's Values and OPA's Terms cost. They measure what a rule
// builds, not the Go heap exactly; both engines count the same way, so a
// rule ends with the same error on both.
package limits

import (
	"errors"
	"fmt"
	"math"

	"github.com/open-policy-agent/opa/v1/ast"
)

// ElemCost is what one element of an array or set, or one member of an
// object, counts besides its value.
const ElemCost = 32

// stringCost is the overhead counted for a string besides its bytes.
const stringCost = 16

// ErrBudget is the error every evaluation over its memory budget wraps;
// test with errors.Is.
var ErrBudget = errors.New("memory budget exceeded")

// Error reports an evaluation stopped because it would build more than
// its memory budget.
type Error struct {
	// Builtin is the builtin whose call would have gone over the budget;
	// "" when the values the evaluation built itself did.
	Builtin string
	// Size is about how many bytes the call would build, or the evaluation
	// had built when it was stopped (0 when unknown).
	Size int64
	// Budget is the budget of one evaluation, in bytes.
	Budget int64
}

// Error renders "memory budget exceeded: numbers.range would build about
// 5.96 GiB, over the budget of 64 MiB of one evaluation".
func (e *Error) Error() string {
	switch {
	case e.Builtin != "":
		return fmt.Sprintf("%v: %s would build about %s, over the budget of %s of one evaluation",
			ErrBudget, e.Builtin, Bytes(e.Size), Bytes(e.Budget))
	case e.Size > 0:
		return fmt.Sprintf("%v: the evaluation built more than %s (about %s)", ErrBudget, Bytes(e.Budget), Bytes(e.Size))
	}
	return fmt.Sprintf("%v: the evaluation built more than %s", ErrBudget, Bytes(e.Budget))
}

// Unwrap returns ErrBudget.
func (e *Error) Unwrap() error { return ErrBudget }

// Bytes renders n bytes for people: "512 B", "64 MiB", "5.96 GiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	suffix := "KMGTPE"[exp : exp+1]
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f %siB", v, suffix)
	}
	return fmt.Sprintf("%.2f %siB", v, suffix)
}

// Size returns the size of x as this package counts it, stopping as soon
// as it passes limit (it then returns a number above limit, not the whole
// size). A value shared several times inside x counts each time: that is
// what a builtin printing or copying x builds.
func Size(x ast.Value, limit int64) int64 {
	s := sizer{limit: limit}
	s.value(x, 0)
	return s.total
}

// Shape returns the size of x (as Size), its number of nodes and its
// depth, stopping once the size passes limit.
func Shape(x ast.Value, limit int64) (size, nodes int64, depth int) {
	s := sizer{limit: limit}
	s.value(x, 1)
	return s.total, s.nodes, s.depth
}

type sizer struct {
	limit, total, nodes int64
	depth               int
}

// value adds x, found at depth d, to the count; false once over the limit.
func (s *sizer) value(x ast.Value, d int) bool {
	s.nodes++
	if d > s.depth {
		s.depth = d
	}
	switch v := x.(type) {
	case ast.String:
		s.total += int64(len(v)) + stringCost
	case ast.Number:
		s.total += int64(len(v)) + stringCost
	case *ast.Array:
		s.total += int64(v.Len()) * ElemCost
		for i := 0; i < v.Len() && s.total <= s.limit; i++ {
			s.value(v.Elem(i).Value, d+1)
		}
	case ast.Set:
		s.total += int64(v.Len()) * ElemCost
		_ = v.Iter(func(t *ast.Term) error {
			if !s.value(t.Value, d+1) {
				return errOver
			}
			return nil
		})
	case ast.Object:
		s.total += int64(v.Len()) * 2 * ElemCost
		_ = v.Iter(func(k, t *ast.Term) error {
			if !s.value(k.Value, d+1) || !s.value(t.Value, d+1) {
				return errOver
			}
			return nil
		})
	default:
		s.total += ElemCost
	}
	return s.total <= s.limit
}

var errOver = errors.New("over the limit")
