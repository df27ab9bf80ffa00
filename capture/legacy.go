package capture

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aquasecurity/tracee/types/trace"
)

// DecodeLegacy decodes one line of Tracee v0.24.1 JSON (a trace.Event) into
// ev, which it resets first.
//
// trace.Argument's own JSON decoding turns numbers into the Go types Tracee
// delivers inside a plugin (int32, uint32, trace.Pointer...). DecodeLegacy
// then checks that each argument's value has the Go type its "type" promises
// (a string where "int32" is declared is an ErrBadField error, not a string
// slipped through), converts the values encoding/json cannot restore on its
// own ("[]byte" from base64, "[2]int32", "[]uint64", "SockAddr" maps,
// "trace.SlimCred" or "slim_cred_t" structs), and sets ArgsNum to
// len(Args). On error ev is left zeroed.
func DecodeLegacy(line []byte, ev *trace.Event) error {
	d := decoderPool.Get().(*lineDecoder)
	defer decoderPool.Put(d)
	return d.decodeLegacy(line, ev)
}

// decodeLegacy decodes with the fast decoder, falling back to
// decodeLegacyStd for the lines it leaves to encoding/json.
func (d *lineDecoder) decodeLegacy(line []byte, ev *trace.Event) error {
	*ev = trace.Event{}
	if err := requireObject(line); err != nil {
		return &LineError{Format: FormatLegacy, Err: err}
	}
	if d.fastLegacy(line, ev) {
		return nil
	}
	return decodeLegacyStd(line, ev)
}

// decodeLegacyStd is DecodeLegacy through encoding/json and
// trace.Argument's own decoder: the reference behaviour, which the fast
// decoder (fast_legacy.go) repeats for the lines it accepts.
func decodeLegacyStd(line []byte, ev *trace.Event) error {
	*ev = trace.Event{}
	if err := requireObject(line); err != nil {
		return &LineError{Format: FormatLegacy, Err: err}
	}
	if err := unmarshalGuarded(line, ev); err != nil {
		if !isUnknownArgType(err) || decodeLegacyUnknownTypes(line, ev) != nil {
			lerr := legacyError(line, ev.EventName, err)
			*ev = trace.Event{}
			return lerr
		}
	}
	for i := range ev.Args {
		if err := normalizeLegacyArg(&ev.Args[i]); err != nil {
			lerr := &LineError{Format: FormatLegacy, Event: ev.EventName, Field: legacyArgPath(i, ev.Args[i].Name), Err: err}
			*ev = trace.Event{}
			return lerr
		}
	}
	ev.ArgsNum = len(ev.Args)
	return nil
}

// EncodeLegacy writes ev in Tracee v0.24.1's JSON shape (no trailing
// newline). That shape is encoding/json's rendering of trace.Event, so this
// is json.Marshal with an error that names the event.
func EncodeLegacy(ev *trace.Event) ([]byte, error) {
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("capture: encode legacy event %q: %w", ev.EventName, err)
	}
	return b, nil
}

// requireObject rejects lines that are not a JSON object: encoding/json
// would accept "null" into a struct without complaint.
func requireObject(line []byte) error {
	line = bytes.TrimLeft(line, " \t\r\n")
	if len(line) == 0 || line[0] != '{' {
		return fmt.Errorf("%w: not a JSON object", ErrNotJSON)
	}
	return nil
}

// legacyError turns an encoding/json failure into a LineError, finding the
// offending argument when the failure came from trace.Argument's decoder
// (whose errors carry no position).
func legacyError(line []byte, event string, err error) *LineError {
	lerr := &LineError{Format: FormatLegacy, Event: event}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		lerr.Err = fmt.Errorf("%w: %v", ErrNotJSON, err)
		return lerr
	}
	var num *strconv.NumError
	if errors.As(err, &num) {
		lerr.Err = fmt.Errorf("%w: %s does not fit the argument's type (%w)", ErrBadField, num.Num, num.Err)
	} else {
		lerr.Err = fmt.Errorf("%w: %v", ErrBadField, err)
	}
	if field := locateBadLegacyArg(line); field != "" {
		lerr.Field = field
		return lerr
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		lerr.Field = typeErr.Field
	case strings.Contains(err.Error(), ",string struct tag"):
		// encoding/json names no field here; eventId is trace.Event's only
		// field tagged ",string".
		lerr.Field = "eventId"
	}
	return lerr
}

// locateBadLegacyArg decodes the arguments one by one to find the first that
// fails. It runs only on the error path.
func locateBadLegacyArg(line []byte) string {
	var shell struct {
		Args []json.RawMessage `json:"args"`
	}
	if json.Unmarshal(line, &shell) != nil {
		return ""
	}
	for i, raw := range shell.Args {
		var arg trace.Argument
		if unmarshalGuarded(raw, &arg) != nil {
			return legacyArgPath(i, arg.Name)
		}
	}
	return ""
}

// unmarshalGuarded is json.Unmarshal that survives a panic in a decoder it
// calls: trace.Argument's asserts that HTTP header values are strings.
func unmarshalGuarded(data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("trace.Argument's decoder failed: %v", r)
		}
	}()
	return json.Unmarshal(data, v)
}

// isUnknownArgType reports whether trace.Argument's decoder refused a
// numeric value only because it does not know the declared type name.
func isUnknownArgType(err error) bool {
	return strings.Contains(err.Error(), "unrecognized argument type")
}

// decodeLegacyUnknownTypes decodes a line whose arguments include numbers of
// a type trace.Argument's decoder does not know, although Tracee writes them:
// v0.24.1 declares sched_process_fork's start times "time.Time" and prints
// them as nanosecond numbers. Such a number is kept by its sign and form, as
// legacyUnknownNumber says; every other argument decodes as usual.
func decodeLegacyUnknownTypes(line []byte, ev *trace.Event) error {
	*ev = trace.Event{}
	var shell struct {
		*trace.Event
		Args []json.RawMessage `json:"args"`
	}
	shell.Event = ev
	if err := unmarshalGuarded(line, &shell); err != nil {
		return err
	}
	ev.Args = make([]trace.Argument, 0, len(shell.Args))
	for _, raw := range shell.Args {
		var arg trace.Argument
		if err := unmarshalGuarded(raw, &arg); err != nil {
			if !isUnknownArgType(err) {
				return err
			}
			var plain struct {
				Name  string      `json:"name"`
				Type  string      `json:"type"`
				Value json.Number `json:"value"`
			}
			if err := json.Unmarshal(raw, &plain); err != nil {
				return err
			}
			arg = trace.Argument{ArgMeta: trace.ArgMeta{Name: plain.Name, Type: plain.Type}}
			if !legacyUnknownNumber(plain.Value.String(), &arg) {
				return fmt.Errorf("%w: argument %q: %q is not a number", ErrBadField, plain.Name, plain.Value)
			}
		}
		ev.Args = append(ev.Args, arg)
	}
	return nil
}

// legacyUnknownNumber converts a number declared with a type name Tracee's
// decoder does not know: a non-negative integer becomes uint64 (so
// "time.Time" nanoseconds keep their full range), a negative one int64, any
// other number float64. It reports false for what is not a JSON number.
func legacyUnknownNumber(num string, arg *trace.Argument) bool {
	if u, err := strconv.ParseUint(num, 10, 64); err == nil {
		arg.Value = u
		return true
	}
	if i, err := strconv.ParseInt(num, 10, 64); err == nil {
		arg.Value = i
		return true
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return false
	}
	arg.Value = f
	return true
}

func legacyArgPath(i int, name string) string {
	if name == "" {
		return "args[" + strconv.Itoa(i) + "]"
	}
	return "args." + name + ".value"
}

// normalizeLegacyArg checks and completes what trace.Argument.UnmarshalJSON
// left: it converts JSON numbers only, and leaves anything else as decoded
// by encoding/json.
func normalizeLegacyArg(arg *trace.Argument) error {
	if arg.Value == nil {
		return nil
	}
	switch arg.Type {
	case "int32":
		return expectType[int32](arg)
	case "uint32":
		return expectType[uint32](arg)
	case "int64":
		return expectType[int64](arg)
	case "uint64":
		return expectType[uint64](arg)
	case "trace.Pointer":
		return expectType[trace.Pointer](arg)
	case "int8":
		return expectType[int8](arg)
	case "uint8":
		return expectType[uint8](arg)
	case "uint16":
		return expectType[uint16](arg)
	case "float":
		return expectType[float32](arg)
	case "float64":
		return expectType[float64](arg)
	case "string":
		return expectType[string](arg)
	case "bool":
		return expectType[bool](arg)
	case "[]byte":
		return legacyBytes(arg)
	case "[2]int32":
		return legacyPair(arg)
	case "[]uint64":
		return legacyUint64s(arg)
	case "SockAddr", "map[string]string":
		return legacyStringMap(arg)
	case "trace.SlimCred", "slim_cred_t":
		return legacySlimCred(arg)
	}
	return nil
}

func expectType[T any](arg *trace.Argument) error {
	if _, ok := arg.Value.(T); ok {
		return nil
	}
	return fmt.Errorf("%w: type %q needs a Go %T, got %s", ErrBadField, arg.Type, *new(T), describeJSON(arg.Value))
}

// describeJSON names a value decoded by encoding/json for an error message.
func describeJSON(v any) string {
	switch v := v.(type) {
	case string:
		if len(v) > 32 {
			v = v[:32] + "..."
		}
		return "string " + strconv.Quote(v)
	case json.Number:
		return "number " + v.String()
	case bool:
		return "bool " + strconv.FormatBool(v)
	case []any:
		return "array"
	case map[string]any:
		return "object"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func legacyBytes(arg *trace.Argument) error {
	s, ok := arg.Value.(string)
	if !ok {
		return fmt.Errorf("%w: type \"[]byte\" wants a base64 string, got %s", ErrBadField, describeJSON(arg.Value))
	}
	b, err := decodeBase64(s)
	if err != nil {
		return fmt.Errorf("%w: bad base64: %v", ErrBadField, err)
	}
	arg.Value = b
	return nil
}

func legacyPair(arg *trace.Argument) error {
	items, ok := arg.Value.([]any)
	if !ok || len(items) != 2 {
		return fmt.Errorf("%w: type \"[2]int32\" wants an array of 2 numbers, got %s", ErrBadField, describeJSON(arg.Value))
	}
	var pair [2]int32
	for i, item := range items {
		n, err := jsonNumberInt(item, 32)
		if err != nil {
			return err
		}
		pair[i] = int32(n)
	}
	arg.Value = pair
	return nil
}

func legacyUint64s(arg *trace.Argument) error {
	items, ok := arg.Value.([]any)
	if !ok {
		return fmt.Errorf("%w: type \"[]uint64\" wants an array, got %s", ErrBadField, describeJSON(arg.Value))
	}
	out := make([]uint64, len(items))
	for i, item := range items {
		num, ok := item.(json.Number)
		if !ok {
			return fmt.Errorf("%w: array element %s is not a number", ErrBadField, describeJSON(item))
		}
		n, err := strconv.ParseUint(num.String(), 10, 64)
		if err != nil {
			return fmt.Errorf("%w: %s is not a uint64 (%w)", ErrBadField, num, numErr(err))
		}
		out[i] = n
	}
	arg.Value = out
	return nil
}

func legacyStringMap(arg *trace.Argument) error {
	m, ok := arg.Value.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: type %q wants an object of strings, got %s", ErrBadField, arg.Type, describeJSON(arg.Value))
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("%w: member %q is %s, not a string", ErrBadField, k, describeJSON(v))
		}
		out[k] = s
	}
	arg.Value = out
	return nil
}

// legacySlimCred rebuilds a trace.SlimCred from the object encoding/json
// makes of one (its Go field names as keys).
func legacySlimCred(arg *trace.Argument) error {
	m, ok := arg.Value.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: type %q wants an object, got %s", ErrBadField, arg.Type, describeJSON(arg.Value))
	}
	var c trace.SlimCred
	ids := map[string]*uint32{
		"Uid": &c.Uid, "Gid": &c.Gid, "Suid": &c.Suid, "Sgid": &c.Sgid, "Euid": &c.Euid, "Egid": &c.Egid,
		"Fsuid": &c.Fsuid, "Fsgid": &c.Fsgid, "UserNamespace": &c.UserNamespace, "SecureBits": &c.SecureBits,
	}
	caps := map[string]*uint64{
		"CapInheritable": &c.CapInheritable, "CapPermitted": &c.CapPermitted, "CapEffective": &c.CapEffective,
		"CapBounding": &c.CapBounding, "CapAmbient": &c.CapAmbient,
	}
	for key, v := range m {
		bits, dst32, dst64 := 0, ids[key], caps[key]
		switch {
		case dst32 != nil:
			bits = 32
		case dst64 != nil:
			bits = 64
		default:
			continue
		}
		num, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("%w: member %q is %s, not a number", ErrBadField, key, describeJSON(v))
		}
		n, err := strconv.ParseUint(num.String(), 10, bits)
		if err != nil {
			return fmt.Errorf("%w: member %q: %s is not a uint%d (%w)", ErrBadField, key, num, bits, numErr(err))
		}
		if dst32 != nil {
			*dst32 = uint32(n)
		} else {
			*dst64 = n
		}
	}
	arg.Value = c
	return nil
}

func jsonNumberInt(v any, bits int) (int64, error) {
	num, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%w: array element %s is not a number", ErrBadField, describeJSON(v))
	}
	n, err := strconv.ParseInt(num.String(), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: %s is not an int%d (%w)", ErrBadField, num, bits, numErr(err))
	}
	return n, nil
}

// numErr strips strconv's "strconv.ParseInt: parsing ..." prefix, keeping
// ErrSyntax or ErrRange.
func numErr(err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return ne.Err
	}
	return err
}

// decodeBase64 accepts every base64 flavour protojson accepts.
func decodeBase64(s string) ([]byte, error) {
	var firstErr error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err == nil {
			return b, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}
