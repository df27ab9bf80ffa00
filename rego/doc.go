// Package rego runs Rego rules as Tracee signatures: the PFD-1..PFD-6
// detections written in Rego, a helper library for writing more, and an
// OPA runtime that exposes every rule as a detect.Signature, so Rego runs
// inside Tracee again (it dropped Rego in v0.23) through the pidfdsig
// plugin, and anywhere this module is imported.
//
// The main call:
//
//	rt, err := rego.New(
//		rego.WithResolver(tracker),               // the *target.Tracker the Go signatures share
//		rego.WithConfig(cfg),                     // the Go signatures' signatures.Config
//		rego.WithRuleDirs("/etc/pidfdsig/rules"), // user rules; PIDFDSIG_REGO_DIR works too
//	)
//	if err != nil {
//		return err // only the built-in rules failing, or an invalid config
//	}
//	for _, e := range rt.LoadErrors() {
//		log.Print(e) // "rego: rules/x.rego:7: builtin not allowed ...: http.send"
//	}
//	sigs := rt.Signatures() // []detect.Signature, one per rule
//
// # Rules
//
// A rule is Tracee's own contract (up to v0.22): a package under "tracee."
// defining __rego_metadoc__ (id, version, name, eventName, description,
// tags, properties), tracee_selected_events (a set of {source, name,
// origin}) and tracee_match (true, or an object that becomes the finding's
// data, in the types of signatures.DataValue: integers int64, objects
// signatures.DataObject, lists []string or signatures.DataList, the same
// types the Go signatures give), with input the JSON of a trace.Event. Rules written for old Tracee,
// in Rego v0 syntax and importing data.tracee.helpers, load unchanged. The
// runtime adds one key, input.pidfdsig: {"call": events.Record, "target":
// target.Record} on pidfd_send_signal events. Two optional rules extend the
// contract: pidfdsig_properties replaces a finding's metadata properties
// (per-finding severity and technique), and pidfdsig_probe makes matches
// probes counted per sender over a window (PFD-4). See README.md.
//
// # Runtime
//
// All rules are compiled once into one OPA compiler, with builtins that
// reach the network, the clock, randomness or the OPA runtime withheld;
// each rule's metadata and selection are evaluated once at load. Each
// rule's tracee_match and extension rules are then planned by OPA (the
// plan its Wasm compiler starts from) and run by the plan machine of
// rego/internal/vm, in Go, on a view of the event that reads each field
// when a rule looks it up: a selected event that no rule reports costs a
// few hundred nanoseconds and no allocation. A rule OPA cannot plan, or
// that uses a statement the machine does not run, is evaluated by OPA's
// topdown evaluator instead, as every rule is with WithTopdown;
// Signature.Engine says which. Both engines give the same findings and
// errors: the tests run every rule on both, on the same events.
//
// Per event, the selection is checked in Go before any Rego runs; the call
// is decoded once and its target resolved when a rule first looks at it;
// the extension rules are evaluated only on a match; each evaluation is
// bounded in time (WithEvalTimeout, builtin calls included) and in the
// memory it builds (WithMemoryBudget). A failing or slow rule is logged and
// counted (Signature.Stats) and never stops the others; a user rule that
// keeps failing is switched off (WithMaxStrikes). The configuration reaches
// the rules as data.pidfdsig.config.
package rego
