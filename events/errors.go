package events

import (
	"errors"
	"fmt"
)

// Sentinel errors, wrapped by ArgError and EventError; test with errors.Is.
var (
	// ErrWrongEvent: the event is not the one the parser decodes.
	ErrWrongEvent = errors.New("unexpected event")
	// ErrMissingArg: the event lacks a required argument.
	ErrMissingArg = errors.New("missing argument")
	// ErrArgType: the argument's value has a type that cannot hold it.
	ErrArgType = errors.New("unsupported argument type")
	// ErrArgRange: the value does not fit the argument's type.
	ErrArgRange = errors.New("argument out of range")
	// ErrArgSyntax: a string value is not a number.
	ErrArgSyntax = errors.New("argument is not a number")
)

// ArgError reports an argument that could not be decoded, naming the event,
// the argument and the offending value.
type ArgError struct {
	Event string // Tracee event name
	Arg   string // argument name
	Value any    // the value as found; nil when missing
	Err   error  // one of the sentinel errors above
}

// Error implements error.
func (e *ArgError) Error() string {
	if errors.Is(e.Err, ErrMissingArg) {
		return fmt.Sprintf("event %s: argument %s: %v", e.Event, e.Arg, e.Err)
	}
	return fmt.Sprintf("event %s: argument %s: %v: %T(%v)", e.Event, e.Arg, e.Err, e.Value, e.Value)
}

// Unwrap returns the sentinel error.
func (e *ArgError) Unwrap() error { return e.Err }

// EventError reports an event handed to a parser of another event.
type EventError struct {
	Want string // the event the parser decodes
	Got  string // the event it was given
}

// Error implements error.
func (e *EventError) Error() string {
	return fmt.Sprintf("event %q: %v: want %s", e.Got, ErrWrongEvent, e.Want)
}

// Unwrap returns ErrWrongEvent.
func (e *EventError) Unwrap() error { return ErrWrongEvent }
