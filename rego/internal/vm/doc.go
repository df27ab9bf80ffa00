// Package vm evaluates Rego in Go by running the plans OPA's planner
// makes of it: the imperative intermediate representation (package
// github.com/open-policy-agent/opa/v1/ir) that OPA's Wasm compiler starts
// from.
//
// Plan asks OPA for the plan of some rules (through its public compile
// package, target "plan"); Compile resolves the plan's statements,
// functions and builtins once into a Program; a Machine runs a Program's
// plans, one evaluation at a time, on Values.
//
// The machine follows the semantics of OPA's Wasm target, statement by
// statement (blocks, breaks, scans, negation, with, functions returning
// undefined), and of OPA's evaluator where they meet a user: objects and
// sets iterate in Rego's order, rule values conflict with OPA's error
// codes, a builtin error makes the call undefined (OPA without strict
// builtin errors) unless the builtin halts. Builtins the rules call on
// every event (comparisons, membership, count, string tests, object.get,
// object.union, concat, set union, glob.match) have native versions for
// the arguments they know; every other call, and every argument a native
// version does not know, goes to OPA's own implementation
// (topdown.GetBuiltin): no builtin is reimplemented where it would differ.
//
// Speed comes from work done once: statements are resolved to operands
// and function pointers, composite literals built from constants are
// folded into frozen constants, rules without arguments are memoized per
// evaluation, locals live on a stack allocated with the machine, and an
// input can be a Lazy object that answers lookups from Go structs without
// being built. An evaluation that builds no composite value allocates
// nothing.
//
// The package is internal: the rego package decides which rules run here
// (rego.Signature.Engine) and tests every rule against OPA's evaluator on
// the same events.
package vm
