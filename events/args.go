package events

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/aquasecurity/tracee/types/trace"
)

// Arg returns the value of the named argument of ev, and whether it exists.
func Arg(ev *trace.Event, name string) (any, bool) {
	for i := range ev.Args {
		if ev.Args[i].Name == name {
			return ev.Args[i].Value, true
		}
	}
	return nil, false
}

// Int64Arg returns the named argument as an int64, accepting every shape
// Tracee delivers: Go integer types and trace.Pointer inside a plugin,
// float64 and json.Number from encoding/json, and numeric strings (decimal,
// or 0x-prefixed hex) from the protobuf-style JSON output.
func Int64Arg(ev *trace.Event, name string) (int64, error) {
	v, ok := Arg(ev, name)
	if !ok {
		return 0, &ArgError{Event: ev.EventName, Arg: name, Err: ErrMissingArg}
	}
	n, err := toInt64(v)
	if err != nil {
		return 0, &ArgError{Event: ev.EventName, Arg: name, Value: v, Err: err}
	}
	return n, nil
}

// Int32Arg returns the named argument as an int32; a value outside the int32
// range is an ErrArgRange error. Accepts the shapes Int64Arg does.
func Int32Arg(ev *trace.Event, name string) (int32, error) {
	n, err := Int64Arg(ev, name)
	if err != nil {
		return 0, err
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		v, _ := Arg(ev, name)
		return 0, &ArgError{Event: ev.EventName, Arg: name, Value: v, Err: ErrArgRange}
	}
	return int32(n), nil
}

// Uint64Arg returns the named argument as a uint64; negative values are an
// ErrArgRange error. Accepts the shapes Int64Arg does.
func Uint64Arg(ev *trace.Event, name string) (uint64, error) {
	v, ok := Arg(ev, name)
	if !ok {
		return 0, &ArgError{Event: ev.EventName, Arg: name, Err: ErrMissingArg}
	}
	n, err := toUint64(v)
	if err != nil {
		return 0, &ArgError{Event: ev.EventName, Arg: name, Value: v, Err: err}
	}
	return n, nil
}

// Uint32Arg returns the named argument as a uint32; a value outside the
// uint32 range is an ErrArgRange error. Accepts the shapes Int64Arg does.
func Uint32Arg(ev *trace.Event, name string) (uint32, error) {
	n, err := Uint64Arg(ev, name)
	if err != nil {
		return 0, err
	}
	if n > math.MaxUint32 {
		v, _ := Arg(ev, name)
		return 0, &ArgError{Event: ev.EventName, Arg: name, Value: v, Err: ErrArgRange}
	}
	return uint32(n), nil
}

// StringArg returns the named argument as a string. Only string values are
// accepted.
func StringArg(ev *trace.Event, name string) (string, error) {
	v, ok := Arg(ev, name)
	if !ok {
		return "", &ArgError{Event: ev.EventName, Arg: name, Err: ErrMissingArg}
	}
	s, ok := v.(string)
	if !ok {
		return "", &ArgError{Event: ev.EventName, Arg: name, Value: v, Err: ErrArgType}
	}
	return s, nil
}

// ReturnValue returns the system call's result carried by ev: the trailing
// "returnValue" argument the main branch of Tracee emits when present, else
// the event's ReturnValue field (Tracee v0.24.1).
func ReturnValue(ev *trace.Event) (Result, error) {
	if _, ok := Arg(ev, ReturnValueField); ok {
		n, err := Int64Arg(ev, ReturnValueField)
		return Result(n), err
	}
	return Result(ev.ReturnValue), nil
}

// toInt64 converts any numeric shape to int64.
func toInt64(v any) (int64, error) {
	switch n := v.(type) {
	case int32:
		return int64(n), nil
	case int64:
		return n, nil
	case int:
		return int64(n), nil
	case uint32:
		return int64(n), nil
	case int8:
		return int64(n), nil
	case int16:
		return int64(n), nil
	case uint8:
		return int64(n), nil
	case uint16:
		return int64(n), nil
	case uint64:
		if n > math.MaxInt64 {
			return 0, ErrArgRange
		}
		return int64(n), nil
	case uint:
		if uint64(n) > math.MaxInt64 {
			return 0, ErrArgRange
		}
		return int64(n), nil
	case uintptr:
		if uint64(n) > math.MaxInt64 {
			return 0, ErrArgRange
		}
		return int64(n), nil
	case trace.Pointer:
		if uint64(n) > math.MaxInt64 {
			return 0, ErrArgRange
		}
		return int64(n), nil
	case float64:
		return floatToInt64(n)
	case float32:
		return floatToInt64(float64(n))
	case json.Number:
		return jsonNumberToInt64(n)
	case string:
		return parseInt64(n)
	default:
		return 0, ErrArgType
	}
}

// toUint64 converts any numeric shape to uint64.
func toUint64(v any) (uint64, error) {
	switch n := v.(type) {
	case uint64:
		return n, nil
	case trace.Pointer:
		return uint64(n), nil
	case uint:
		return uint64(n), nil
	case uintptr:
		return uint64(n), nil
	case float64:
		return floatToUint64(n)
	case json.Number:
		return jsonNumberToUint64(n)
	case string:
		return parseUint64(n)
	default:
		i, err := toInt64(v)
		if err != nil {
			return 0, err
		}
		if i < 0 {
			return 0, ErrArgRange
		}
		return uint64(i), nil
	}
}

// floatToInt64 accepts integral floats in the int64 range, as encoding/json
// produces for JSON numbers.
func floatToInt64(f float64) (int64, error) {
	if f != math.Trunc(f) {
		return 0, ErrArgType
	}
	if f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, ErrArgRange
	}
	return int64(f), nil
}

// floatToUint64 accepts integral floats in the uint64 range.
func floatToUint64(f float64) (uint64, error) {
	if f != math.Trunc(f) {
		return 0, ErrArgType
	}
	if f < 0 || f >= math.MaxUint64 {
		return 0, ErrArgRange
	}
	return uint64(f), nil
}

// jsonNumberToInt64 reads a JSON number exactly when it is written as an
// integer, and otherwise ("42.0", "4.2e1") as encoding/json would into a
// float64, so a json.Number means what the same number decoded as float64
// means.
func jsonNumberToInt64(n json.Number) (int64, error) {
	i, err := parseInt64(string(n))
	if err != ErrArgSyntax {
		return i, err
	}
	f, ferr := strconv.ParseFloat(string(n), 64)
	if ferr != nil {
		return 0, numError(ferr)
	}
	return floatToInt64(f)
}

// jsonNumberToUint64 is jsonNumberToInt64 for unsigned arguments.
func jsonNumberToUint64(n json.Number) (uint64, error) {
	u, err := parseUint64(string(n))
	if err != ErrArgSyntax {
		return u, err
	}
	f, ferr := strconv.ParseFloat(string(n), 64)
	if ferr != nil {
		return 0, numError(ferr)
	}
	return floatToUint64(f)
}

func parseInt64(s string) (int64, error) {
	n, err := strconv.ParseInt(s, numberBase(s), 64)
	return n, numError(err)
}

func parseUint64(s string) (uint64, error) {
	base := numberBase(s)
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		// "-1" is a number, just not an unsigned one; so is a negative
		// number too large for int64.
		if _, ierr := strconv.ParseInt(s, base, 64); ierr == nil || numError(ierr) == ErrArgRange {
			return 0, ErrArgRange
		}
	}
	return n, numError(err)
}

// numberBase returns the base of a numeric string: 16 (as strconv's base 0)
// for a 0x prefix after an optional sign, else 10. strconv's base 0 alone
// would read "010" as octal 8 and accept "0b1" and "1_000", none of which a
// decimal JSON string means.
func numberBase(s string) int {
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return 0
	}
	return 10
}

// numError maps strconv's errors to the package's sentinels.
func numError(err error) error {
	if err == nil {
		return nil
	}
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return ErrArgRange
	}
	return ErrArgSyntax
}
