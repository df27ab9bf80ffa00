package rego

import (
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// protectedRoots are the documents only pidfdsig writes: the configuration
// the runtime puts in the store (data.pidfdsig), the helper libraries
// (data.tracee.pidfdsig, data.tracee.helpers) and, through
// builtinRulePrefix, the built-in rule packages. A user file that wrote
// into one of them could change, or break, the verdicts of the built-in
// rules: a rules directory must not be able to switch detection off.
var protectedRoots = []ast.Ref{
	ast.MustParseRef("data.pidfdsig"),
	ast.MustParseRef("data.tracee.pidfdsig"),
	ast.MustParseRef(compatHelpersPackage),
}

// builtinRulePrefix starts the last part of every built-in rule package
// (tracee.PFD_1); the whole prefix is reserved, as the PFD- ids are.
const builtinRulePrefix = "PFD_"

// traceeRoot is the package every rule lives under.
var traceeRoot = ast.MustParseRef("data.tracee")

// protectedUnder returns the protected document that ref (a path of string
// keys from data) falls under, or "".
func protectedUnder(ref ast.Ref) string {
	for _, root := range protectedRoots {
		if ref.HasPrefix(root) {
			return strings.TrimPrefix(root.String(), "data.")
		}
	}
	if len(ref) > len(traceeRoot) && ref.HasPrefix(traceeRoot) {
		if s, ok := ref[len(traceeRoot)].Value.(ast.String); ok && strings.HasPrefix(string(s), builtinRulePrefix) {
			return "tracee." + builtinRulePrefix + "*"
		}
	}
	return ""
}

// protectedOverlap returns the protected document that a rule defined at
// ref would write: one ref falls under, or one whose path ref is a prefix
// of (a rule "tracee.PFD_1" or "tracee[x]" covers data.tracee.PFD_1).
func protectedOverlap(ref ast.Ref) string {
	if p := protectedUnder(ref); p != "" {
		return p
	}
	for _, root := range protectedRoots {
		if root.HasPrefix(ref) {
			return strings.TrimPrefix(root.String(), "data.")
		}
	}
	if ref.Equal(traceeRoot) {
		return "tracee." + builtinRulePrefix + "*"
	}
	return ""
}

// groundPrefix returns the leading keys of the document a rule defines:
// its package path and the constant part of its head.
func groundPrefix(pkg ast.Ref, r *ast.Rule) ast.Ref {
	out := pkg.Copy()
	for i, t := range r.Head.Ref() {
		if i == 0 {
			if v, ok := t.Value.(ast.Var); ok {
				out = append(out, ast.StringTerm(string(v)))
				continue
			}
		}
		if _, ok := t.Value.(ast.String); !ok {
			break
		}
		out = append(out, t)
	}
	return out
}

// rejectProtected leaves out user modules that declare a package under a
// protected document or define a rule that writes into one, with the file
// and line of the package clause or rule.
func rejectProtected(user []*module) ([]*module, []*LoadError) {
	kept := user[:0:0]
	var errs []*LoadError
	for _, m := range user {
		if le := protectedWrite(m); le != nil {
			errs = append(errs, le)
			continue
		}
		kept = append(kept, m)
	}
	return kept, errs
}

// protectedWrite returns the error for the first protected write of m, or
// nil.
func protectedWrite(m *module) *LoadError {
	pkg := m.parsed.Package.Path
	if p := protectedUnder(pkg); p != "" {
		return &LoadError{File: m.file, Line: m.parsed.Package.Location.Row,
			Err: fmt.Errorf("%w: package %s is inside %s, which only pidfdsig may define", ErrProtected, strings.TrimPrefix(pkg.String(), "data."), p)}
	}
	for _, r := range m.parsed.Rules {
		ref := groundPrefix(pkg, r)
		if p := protectedOverlap(ref); p != "" {
			line := m.parsed.Package.Location.Row
			if r.Location != nil {
				line = r.Location.Row
			}
			return &LoadError{File: m.file, Line: line,
				Err: fmt.Errorf("%w: rule %s would write %s, which only pidfdsig may define", ErrProtected, strings.TrimPrefix(ref.String(), "data."), p)}
		}
	}
	return nil
}

// builtinIDPrefix starts the id of every built-in signature (PFD-1).
const builtinIDPrefix = "PFD-"

// reservedID reports whether a user rule may not take id: one of the
// built-in signatures' ids, present or future, in any letter case, so that
// no user rule's finding passes for a built-in detection's, whichever
// engine runs the built-ins.
func reservedID(id string) bool {
	id = strings.TrimSpace(id)
	return len(id) >= len(builtinIDPrefix) && strings.EqualFold(id[:len(builtinIDPrefix)], builtinIDPrefix)
}

// ruleLine returns the line of the first rule named name in m, or of the
// package clause.
func ruleLine(m *ast.Module, name string) int {
	for _, r := range m.Rules {
		if r.Head.Name.String() == name && r.Location != nil {
			return r.Location.Row
		}
	}
	return m.Package.Location.Row
}
