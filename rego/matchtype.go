package rego

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/types"
)

// checkMatchType refuses a tracee_match whose value the type checker
// proves is neither true nor an object: a number, string, array, set or
// null never makes a finding, so such a rule would load, never fire and say
// nothing. A value the checker cannot type (any) is accepted. The error is
// placed at the first tracee_match rule.
func checkMatchType(c *ast.Compiler, pkg ast.Ref) error {
	ref := pkg.Append(ast.StringTerm(ruleMatch))
	tpe := c.TypeEnv.Get(ref)
	if tpe == nil || mayMatch(tpe) {
		return nil
	}
	le := &LoadError{Err: fmt.Errorf("%w: %s is %s: want true or an object", ErrRuleContract, ruleMatch, typeName(tpe))}
	if rules := c.GetRulesExact(ref); len(rules) > 0 && rules[0].Location != nil {
		le.File, le.Line = rules[0].Location.File, rules[0].Location.Row
	}
	return le
}

// mayMatch reports whether a value of type tpe can be true or an object.
func mayMatch(tpe types.Type) bool {
	switch t := tpe.(type) {
	case types.Boolean, *types.Object:
		return true
	case types.Any:
		if len(t) == 0 {
			return true
		}
		for _, member := range t {
			if mayMatch(member) {
				return true
			}
		}
		return false
	case *types.Function:
		return false
	}
	return false
}

// typeName names tpe for a rule author: "a number", "a set"...
func typeName(tpe types.Type) string {
	switch tpe.(type) {
	case types.Number:
		return "a number"
	case types.String:
		return "a string"
	case *types.Array:
		return "an array"
	case *types.Set:
		return "a set"
	case types.Null:
		return "null"
	case *types.Function:
		return "a function"
	}
	return "of type " + types.Sprint(tpe)
}
