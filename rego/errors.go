package rego

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrBuiltinDenied: a rule calls a builtin the runtime withholds
	// (network, clock, randomness, OPA runtime information).
	ErrBuiltinDenied = errors.New("builtin not allowed in pidfdsig rules")
	// ErrParse: a file is not valid Rego (neither v1 nor, for user files,
	// the v0 syntax old Tracee rules use).
	ErrParse = errors.New("not valid Rego")
	// ErrCompile: a module parsed but does not compile.
	ErrCompile = errors.New("does not compile")
	// ErrRuleContract: a package defines tracee_match but breaks the rest of
	// Tracee's rule contract (__rego_metadoc__, tracee_selected_events).
	ErrRuleContract = errors.New("rule contract")
	// ErrDuplicateID: two rules declare the same signature id.
	ErrDuplicateID = errors.New("duplicate signature id")
	// ErrMatchType: tracee_match evaluated to something else than a
	// boolean or an object (Tracee's contract); an evaluation error.
	ErrMatchType = errors.New("tracee_match must be true or an object")
	// ErrProtected: a user file declares a package, or defines a rule, in
	// a document only pidfdsig writes: the configuration (pidfdsig), the
	// helper libraries (tracee.pidfdsig, tracee.helpers) or the built-in
	// rule packages (tracee.PFD_*).
	ErrProtected = errors.New("protected namespace")
	// ErrReservedID: a user rule declares an id of pidfdsig's own (PFD-*),
	// which would make its findings pass for a built-in detection's.
	ErrReservedID = errors.New("reserved signature id")
	// ErrFileRefused: a rule file is not a regular file, or is too large,
	// and is not read.
	ErrFileRefused = errors.New("rule file refused")
)

// matchTypeError reports a tracee_match of the type named.
func matchTypeError(typeName string) error {
	return fmt.Errorf("%w, not a %s", ErrMatchType, typeName)
}

// LoadError reports one problem with one rule file. A Runtime keeps loading
// the other files; see Runtime.LoadErrors.
type LoadError struct {
	File string // path of the file, as given or as embedded ("rules/pfd1_cross_user.rego")
	Line int    // 1-based line, 0 when the problem has no position
	Err  error  // wraps one of the Err* sentinels above, or an I/O error
}

// Error renders "rego: FILE:LINE: message".
func (e *LoadError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	return fmt.Sprintf("rego: %s: %v", loc, e.Err)
}

// Unwrap returns the cause.
func (e *LoadError) Unwrap() error { return e.Err }

// EvalError reports a rule whose evaluation failed on one event. The event
// is skipped for that rule only.
type EvalError struct {
	ID    string // signature id
	Event string // Tracee event name
	Err   error  // OPA's error: an eval_cancel_error for a timeout, eval_conflict_error...
}

// Error renders "rego: PFD-1: event pidfd_send_signal: cause".
func (e *EvalError) Error() string {
	return fmt.Sprintf("rego: %s: event %s: %v", e.ID, e.Event, e.Err)
}

// Unwrap returns the cause.
func (e *EvalError) Unwrap() error { return e.Err }
