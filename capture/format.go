package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aquasecurity/tracee/types/trace"
)

// Format is one of the two JSON shapes `tracee --output json` writes.
type Format uint8

const (
	// FormatUnknown is neither format; detection failed.
	FormatUnknown Format = iota
	// FormatLegacy is Tracee v0.24.1's output: a JSON trace.Event
	// ("eventId": "424", "args": [{name, type, value}], a top-level
	// "returnValue", nanosecond integer timestamps).
	FormatLegacy
	// FormatProto is the main branch's output: protobuf-style JSON of a
	// tracee.v1beta1.Event ("id": 336, "workload", "data": [{name, int32 |
	// u_int32 | pointer | ...}], 64-bit integers as strings, RFC 3339
	// timestamps).
	FormatProto
)

// String returns "legacy", "proto" or "unknown".
func (f Format) String() string {
	switch f {
	case FormatLegacy:
		return "legacy"
	case FormatProto:
		return "proto"
	case FormatUnknown:
		return "unknown"
	default:
		return "Format(" + strconv.Itoa(int(f)) + ")"
	}
}

// DetectFormat tells which of Tracee's formats a line is in by looking at its
// top-level keys, stopping at the first one that decides (normally the first
// key, "timestamp": a number in the legacy format, a string in the proto
// one). It does not decode or validate the rest of the line.
//
// Errors wrap ErrNotJSON for a line that is not a JSON object, and
// ErrUnknownFormat for a JSON value that matches neither format.
func DetectFormat(line []byte) (Format, error) {
	line = bytes.TrimLeft(line, " \t\r\n")
	if len(line) == 0 {
		return FormatUnknown, fmt.Errorf("%w: empty line", ErrNotJSON)
	}
	if line[0] != '{' {
		if json.Valid(line) {
			return FormatUnknown, fmt.Errorf("%w: a JSON value that is not an object", ErrUnknownFormat)
		}
		return FormatUnknown, fmt.Errorf("%w: line starts with %q", ErrNotJSON, line[0])
	}
	it := memberIter{b: line}
	for it.next() {
		if f := formatOfMember(&it); f != FormatUnknown {
			return f, nil
		}
	}
	if it.err != nil {
		return FormatUnknown, it.err
	}
	return FormatUnknown, fmt.Errorf("%w: no key of either format", ErrUnknownFormat)
}

// formatOfMember returns the format a top-level member belongs to, or
// FormatUnknown if it could belong to both or neither.
func formatOfMember(it *memberIter) Format {
	if it.keyEscaped {
		return FormatUnknown
	}
	switch string(it.key[1 : len(it.key)-1]) {
	case "eventId", "eventName", "args", "argsNum", "returnValue",
		"processId", "threadId", "hostProcessId", "hostThreadId",
		"processName", "threadStartTime", "matchedPolicies", "containerId":
		return FormatLegacy
	case "id", "name", "workload", "data", "policies", "threat", "detected_from":
		return FormatProto
	case "timestamp":
		if len(it.val) == 0 {
			return FormatUnknown
		}
		switch c := it.val[0]; {
		case c == '"':
			return FormatProto
		case c == '-' || (c >= '0' && c <= '9'):
			return FormatLegacy
		}
	}
	return FormatUnknown
}

// Decode detects the format of one line and decodes it into ev, which it
// resets first. Errors are *LineError values (with Line 0).
func Decode(line []byte, ev *trace.Event) (Format, error) {
	d := decoderPool.Get().(*lineDecoder)
	defer decoderPool.Put(d)
	return d.decodeLine(line, ev)
}

// decodeLine is Decode with the decoder's reusable buffers.
func (d *lineDecoder) decodeLine(line []byte, ev *trace.Event) (Format, error) {
	f, err := DetectFormat(line)
	if err != nil {
		*ev = trace.Event{}
		return f, &LineError{Format: f, Err: err}
	}
	if f == FormatLegacy {
		return f, d.decodeLegacy(line, ev)
	}
	return f, d.decodeProto(line, ev)
}
