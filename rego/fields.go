package rego

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// inputFields is a set of the input's top-level keys, one bit per field
// below: the keys a runtime's rules can read, so that the input holds only
// those (see readInputFields).
type inputFields uint64

// The input's top-level keys, in the order encoding/json writes them.
const (
	fieldTimestamp inputFields = 1 << iota
	fieldThreadStartTime
	fieldProcessorID
	fieldProcessID
	fieldCgroupID
	fieldThreadID
	fieldParentProcessID
	fieldHostProcessID
	fieldHostThreadID
	fieldHostParentProcessID
	fieldUserID
	fieldMountNamespace
	fieldPidNamespace
	fieldProcessName
	fieldExecutable
	fieldHostName
	fieldContainerID
	fieldContainer
	fieldKubernetes
	fieldEventID
	fieldEventName
	fieldMatchedPolicies
	fieldArgsNum
	fieldReturnValue
	fieldSyscall
	fieldStackAddresses
	fieldContextFlags
	fieldThreadEntityID
	fieldProcessEntityID
	fieldParentEntityID
	fieldArgs
	fieldMetadata
	fieldPidfdsig

	// allInputFields is the whole input: the JSON of the trace.Event and
	// input.pidfdsig.
	allInputFields = fieldPidfdsig<<1 - 1
)

// inputFieldKeys names each field's key.
var inputFieldKeys = map[string]inputFields{
	"timestamp": fieldTimestamp, "threadStartTime": fieldThreadStartTime, "processorId": fieldProcessorID,
	"processId": fieldProcessID, "cgroupId": fieldCgroupID, "threadId": fieldThreadID,
	"parentProcessId": fieldParentProcessID, "hostProcessId": fieldHostProcessID, "hostThreadId": fieldHostThreadID,
	"hostParentProcessId": fieldHostParentProcessID, "userId": fieldUserID, "mountNamespace": fieldMountNamespace,
	"pidNamespace": fieldPidNamespace, "processName": fieldProcessName, "executable": fieldExecutable,
	"hostName": fieldHostName, "containerId": fieldContainerID, "container": fieldContainer,
	"kubernetes": fieldKubernetes, "eventId": fieldEventID, "eventName": fieldEventName,
	"matchedPolicies": fieldMatchedPolicies, "argsNum": fieldArgsNum, "returnValue": fieldReturnValue,
	"syscall": fieldSyscall, "stackAddresses": fieldStackAddresses, "contextFlags": fieldContextFlags,
	"threadEntityId": fieldThreadEntityID, "processEntityId": fieldProcessEntityID, "parentEntityId": fieldParentEntityID,
	"args": fieldArgs, "metadata": fieldMetadata, InputKey: fieldPidfdsig,
}

// inputReads are the top-level input keys a runtime's rules can read, on
// the two kinds of input: events the runtime enriched (input.pidfdsig is
// present) and the others. The input holds only those keys: building the
// event's fields is most of what preparing an event costs, and a key no
// rule can read cannot be missed.
type inputReads struct {
	enriched, plain inputFields
}

// readInputs analyses the compiled modules for the keys the entry rules
// (tracee_match and the extensions of each rule package in pkgs) can read.
//
// A key is read by a reference input.KEY... in a rule the entry rules can
// reach; a rule that reads the input as a whole (object.get(input, ...),
// input[k], walk(input), with input as ...) may read any key, and gets
// them all. On enriched events, a rule body (or else branch) whose first
// expression is "not input.pidfdsig" fails at once, without evaluating
// anything else: what it alone reaches is not read there. That is how the
// helpers fall back to decoding the raw event (input.args, the event
// context) when the runtime's input is missing, at no cost when it is not.
func readInputs(c *ast.Compiler, pkgs []ast.Ref) inputReads {
	var r inputReads
	// A rule that replaces input.pidfdsig (with input.pidfdsig as ...) can
	// make the fallback run on an enriched event: no skipping then.
	skip := !replacesEnrichment(c)
	for _, enriched := range []bool{true, false} {
		a := &fieldAnalysis{c: c, enriched: enriched && skip, seen: map[*ast.Rule]bool{}}
		for _, pkg := range pkgs {
			for _, name := range []string{ruleMatch, ruleProperties, ruleProbe} {
				for _, rule := range c.GetRulesExact(pkg.Append(ast.StringTerm(name))) {
					a.rule(rule)
				}
			}
		}
		if enriched {
			r.enriched = a.fields
		} else {
			r.plain = a.fields
		}
	}
	return r
}

// replacesEnrichment reports whether a module has a with modifier on
// input.pidfdsig.
func replacesEnrichment(c *ast.Compiler) bool {
	found := false
	for _, m := range c.Modules {
		ast.WalkExprs(m, func(e *ast.Expr) bool {
			for _, w := range e.With {
				if ref, ok := w.Target.Value.(ast.Ref); ok && len(ref) == 2 &&
					ref[0].Equal(ast.InputRootDocument) && ref[1].Equal(keyPidfdsig) {
					found = true
				}
			}
			return found
		})
		if found {
			return true
		}
	}
	return false
}

// fieldAnalysis walks the rules reachable from entry rules.
type fieldAnalysis struct {
	c        *ast.Compiler
	enriched bool // skip bodies that start with "not input.pidfdsig"
	seen     map[*ast.Rule]bool
	fields   inputFields
}

// rule walks r and its else branches.
func (a *fieldAnalysis) rule(r *ast.Rule) {
	for ; r != nil && !a.seen[r]; r = r.Else {
		a.seen[r] = true
		if a.enriched && startsWithoutEnrichment(r.Body) {
			a.fields |= fieldPidfdsig // what the first expression reads
			continue
		}
		a.walk(r.Head.Args)
		if r.Head.Key != nil {
			a.walk(r.Head.Key)
		}
		if r.Head.Value != nil {
			a.walk(r.Head.Value)
		}
		a.walk(r.Body)
	}
}

// startsWithoutEnrichment reports whether body's first expression is
// "not input.pidfdsig".
func startsWithoutEnrichment(body ast.Body) bool {
	if len(body) == 0 || !body[0].Negated || len(body[0].With) > 0 {
		return false
	}
	t, ok := body[0].Terms.(*ast.Term)
	if !ok {
		return false
	}
	ref, ok := t.Value.(ast.Ref)
	return ok && len(ref) == 2 && ref[0].Equal(ast.InputRootDocument) && ref[1].Equal(keyPidfdsig)
}

// walk records the input keys x reads and walks the rules it refers to.
func (a *fieldAnalysis) walk(x any) {
	if x == nil || a.fields == allInputFields {
		return
	}
	var vis *ast.GenericVisitor
	vis = ast.NewGenericVisitor(func(x any) bool {
		if a.fields == allInputFields {
			return true
		}
		switch x := x.(type) {
		case ast.Ref:
			switch {
			case x[0].Equal(ast.InputRootDocument):
				key, ok := inputRefKey(x)
				if !ok {
					a.fields = allInputFields
					return true
				}
				a.fields |= inputFieldKeys[key]
			case x[0].Equal(ast.DefaultRootDocument):
				for _, r := range a.c.GetRulesDynamicWithOpts(x, ast.RulesOptions{IncludeHiddenModules: true}) {
					a.rule(r)
				}
			}
			for _, t := range x[1:] {
				vis.Walk(t)
			}
			return true
		case ast.Var:
			if x.Equal(ast.InputRootDocument.Value) {
				a.fields = allInputFields
			}
		}
		return false
	})
	vis.Walk(x)
}

// inputRefKey returns the constant top-level key input.KEY... names.
func inputRefKey(ref ast.Ref) (string, bool) {
	if len(ref) < 2 {
		return "", false
	}
	s, ok := ref[1].Value.(ast.String)
	return string(s), ok
}
