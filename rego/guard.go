package rego

import (
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/pidfdsig/pidfdsig/rego/internal/limits"
)

// guardRoot prefixes the names the rules' calls of guarded builtins are
// renamed to for OPA's evaluator: "pidfdsig.guard.numbers.range".
var guardRoot = ast.Ref{ast.VarTerm("pidfdsig"), ast.InternedTerm("guard")}

// guardBuiltins makes OPA's evaluator check every call of a builtin whose
// output can outgrow its arguments (limits.Guarded) against the memory
// budget before it starts, as the plan machine does. OPA looks its own
// builtins up before any the caller adds, so the calls are renamed, in the
// compiled rules, to builtins of our own (guardRoot) that check the call
// and hand it to OPA's implementation. It returns those builtins, for
// topdown.Query.WithBuiltins. Call it once the rules are compiled, before
// any query is prepared or evaluated.
func guardBuiltins(c *ast.Compiler, budget int64) map[string]*topdown.Builtin {
	renamed := map[string]ast.Ref{}
	for _, m := range c.Modules {
		ast.WalkExprs(m, func(e *ast.Expr) bool {
			if e.IsCall() {
				terms := e.Terms.([]*ast.Term)
				if ref, ok := guardRef(terms[0], renamed); ok {
					terms[0] = ast.NewTerm(ref).SetLocation(terms[0].Location)
				}
			}
			return false
		})
		ast.WalkTerms(m, func(t *ast.Term) bool {
			if call, ok := t.Value.(ast.Call); ok && len(call) > 0 {
				if ref, ok := guardRef(call[0], renamed); ok {
					call[0] = ast.NewTerm(ref).SetLocation(call[0].Location)
				}
			}
			return false
		})
	}
	out := make(map[string]*topdown.Builtin, len(renamed))
	for name, ref := range renamed {
		decl := *ast.BuiltinMap[name]
		decl.Name = ref.String()
		decl.CanSkipBctx = false
		out[decl.Name] = &topdown.Builtin{Decl: &decl, Func: guarded(name, decl.Decl.Arity(), budget, topdown.GetBuiltin(name))}
	}
	return out
}

// guardRef returns the guarded name of the builtin op calls, when it is
// guarded, and records it.
func guardRef(op *ast.Term, renamed map[string]ast.Ref) (ast.Ref, bool) {
	ref, ok := op.Value.(ast.Ref)
	if !ok {
		return nil, false
	}
	name := ref.String()
	if !limits.Guarded(name) || ast.BuiltinMap[name] == nil || topdown.GetBuiltin(name) == nil {
		return nil, false
	}
	g, ok := renamed[name]
	if !ok {
		g = append(guardRoot.Copy(), ref[0].Copy())
		g[2].Value = ast.String(ref[0].Value.(ast.Var))
		g = append(g, ref[1:].Copy()...)
		renamed[name] = g
	}
	return g, true
}

// guarded wraps OPA's implementation of builtin name, of arity args, with
// the check. (OPA hands a builtin of its caller's its output operand too.)
func guarded(name string, args int, budget int64, impl topdown.BuiltinFunc) topdown.BuiltinFunc {
	return func(bctx topdown.BuiltinContext, operands []*ast.Term, iter func(*ast.Term) error) error {
		if err := limits.Check(name, operands[:min(args, len(operands))], budget); err != nil {
			return topdown.Halt{Err: err}
		}
		return impl(bctx, operands, iter)
	}
}
