package vm

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// callFallback calls OPA's implementation of b with bctx and the
// arguments' terms. A builtin that is a relation (walk) gives every one of
// its outputs, in OPA's order, as one array: the planner scans it. Any
// other gives its last output; nil when it gave none.
//
// A panic in OPA's implementation (one that needs what the context does
// not provide) halts the evaluation with an eval_builtin_error naming the
// builtin, instead of taking the caller down.
func callFallback(b *builtin, bctx topdown.BuiltinContext, terms []*ast.Term) (out *ast.Term, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, builtinPanic(b.name, r, bctx.Location)
		}
	}()
	if b.relation {
		var all []*ast.Term
		err = b.fallback(bctx, terms, func(t *ast.Term) error {
			all = append(all, t)
			return nil
		})
		return ast.ArrayTerm(all...), err
	}
	err = b.fallback(bctx, terms, func(t *ast.Term) error {
		out = t
		return nil
	})
	return out, err
}

// builtinPanic is the error that halts an evaluation whose builtin
// panicked.
func builtinPanic(name string, r any, loc *ast.Location) error {
	return topdown.Halt{Err: &topdown.Error{
		Code:     topdown.BuiltinErr,
		Message:  fmt.Sprintf("%s: builtin failed: %v", name, r),
		Location: loc,
	}}
}

// recoverEval turns a panic during an evaluation (a bug of ours: OPA's
// builtins are guarded by callFallback) into the evaluation's error, and
// leaves the machine ready for the next one.
func (m *Machine) recoverEval(out *Value, err *error) {
	r := recover()
	if r == nil {
		return
	}
	clear(m.stack)
	m.result, m.found, m.retval, m.err, m.with, m.sp = Undefined, false, Undefined, nil, 0, 0
	m.forget()
	*out = Undefined
	*err = &topdown.Error{Code: topdown.InternalErr, Message: fmt.Sprintf("vm: evaluation failed: %v", r)}
}
