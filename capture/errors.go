package capture

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors, for errors.Is. Every error the decoders and the Reader
// return for a bad line is a *LineError wrapping one of these.
var (
	// ErrNotJSON: the line is not well-formed JSON (binary garbage, or a
	// line cut short when Tracee stopped mid-write).
	ErrNotJSON = errors.New("not JSON")
	// ErrUnknownFormat: the line is JSON but in neither of Tracee's formats.
	ErrUnknownFormat = errors.New("unknown event format")
	// ErrLineTooLong: the line is longer than the Reader's maximum; it was
	// skipped without being held in memory.
	ErrLineTooLong = errors.New("line too long")
	// ErrBadField: a field holds a value of the wrong JSON type, out of
	// range for its type, or otherwise unusable.
	ErrBadField = errors.New("bad field")
	// ErrUnknownKind: a protobuf-style data entry carries a value kind that
	// Tracee's schema does not define.
	ErrUnknownKind = errors.New("unknown data value kind")
	// ErrUnsupportedKind: a protobuf-style data entry carries a kind the
	// schema defines (a network protocol, hooked symbols...) but that this
	// package does not turn into a trace.Argument value; also returned by
	// the encoders for Go values without a protobuf kind.
	ErrUnsupportedKind = errors.New("unsupported data value kind")
)

// LineError reports why one line of a capture could not be decoded. The
// Reader carries on with the next line after returning one.
type LineError struct {
	// Line is the 1-based line number in the stream; 0 when the error comes
	// from a single-line decoding function.
	Line int
	// Format is the format the line was detected as, FormatUnknown if
	// detection itself failed.
	Format Format
	// Event is the event name, if it was decoded before the failure.
	Event string
	// Field is the JSON path of the offending field, e.g. "data.sig.int32"
	// or "args[1]", if known.
	Field string
	// Err is the cause; it wraps one of the package's sentinel errors.
	Err error
}

// Error names the line, format, event and field, then the cause, e.g.
// `capture: line 7, proto event "pidfd_send_signal", field data.sig.int32:
// bad field: "abc" is not an int32 (invalid syntax)`.
func (e *LineError) Error() string {
	var parts []string
	if e.Line > 0 {
		parts = append(parts, "line "+strconv.Itoa(e.Line))
	}
	if e.Format != FormatUnknown || e.Event != "" {
		event := "event"
		if e.Format != FormatUnknown {
			event = e.Format.String() + " event"
		}
		if e.Event != "" {
			event += " " + strconv.Quote(e.Event)
		}
		parts = append(parts, event)
	}
	if e.Field != "" {
		parts = append(parts, "field "+e.Field)
	}
	cause := "unknown error"
	if e.Err != nil {
		cause = e.Err.Error()
	}
	if len(parts) == 0 {
		return "capture: " + cause
	}
	return "capture: " + strings.Join(parts, ", ") + ": " + cause
}

// Unwrap returns the cause, so errors.Is(err, ErrBadField) and the like work.
func (e *LineError) Unwrap() error { return e.Err }

// fieldError carries the path of a bad field out of a nested decoder (a
// json.Unmarshaler cannot otherwise say where it is).
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }
