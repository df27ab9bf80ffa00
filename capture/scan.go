package capture

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// This file holds a small JSON object walker. It is used in two places where
// encoding/json cannot do the job cheaply: sniffing a line's format from its
// first keys without decoding it, and reading a protobuf-style data entry,
// whose value sits under a key that names its kind. It never panics and
// allocates nothing; it checks structure only as far as it needs to find
// where each member ends.

var errMalformed = fmt.Errorf("%w: malformed JSON", ErrNotJSON)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanString returns the index just past the JSON string starting at b[i],
// and whether the string contains escapes.
func scanString(b []byte, i int) (end int, escaped bool, err error) {
	if i >= len(b) || b[i] != '"' {
		return 0, false, errMalformed
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			return j + 1, escaped, nil
		case '\\':
			escaped = true
			j++
		}
	}
	return 0, false, errMalformed
}

// skipValue returns the index just past the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errMalformed
	}
	switch b[i] {
	case '"':
		end, _, err := scanString(b, i)
		return end, err
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, _, err := scanString(b, i)
				if err != nil {
					return 0, err
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
			i++
		}
		return 0, errMalformed
	case '}', ']', ',', ':':
		return 0, errMalformed
	default: // number, true, false, null
		start := i
		for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != '}' && b[i] != ']' {
			i++
		}
		if i == start {
			return 0, errMalformed
		}
		return i, nil
	}
}

// memberIter walks the members of one JSON object:
//
//	it := memberIter{b: obj}
//	for it.next() { use it.key, it.val }
//	if it.err != nil { ... }
type memberIter struct {
	b   []byte
	i   int
	err error
	// key is the member name still quoted, val the raw value.
	key, val []byte
	// keyEscaped reports escapes in key (see unquoteKey).
	keyEscaped bool
	started    bool
	done       bool
}

func (it *memberIter) fail(err error) bool {
	it.err, it.done = err, true
	return false
}

func (it *memberIter) next() bool {
	if it.done {
		return false
	}
	b := it.b
	if !it.started {
		it.started = true
		it.i = skipSpace(b, 0)
		if it.i >= len(b) || b[it.i] != '{' {
			return it.fail(fmt.Errorf("%w: not a JSON object", ErrBadField))
		}
		it.i = skipSpace(b, it.i+1)
		if it.i < len(b) && b[it.i] == '}' {
			it.done = true
			return false
		}
	} else {
		i := skipSpace(b, it.i)
		if i >= len(b) {
			return it.fail(errMalformed)
		}
		switch b[i] {
		case ',':
			it.i = skipSpace(b, i+1)
		case '}':
			it.done = true
			return false
		default:
			return it.fail(errMalformed)
		}
	}
	keyEnd, escaped, err := scanString(b, it.i)
	if err != nil {
		return it.fail(err)
	}
	it.key, it.keyEscaped = b[it.i:keyEnd], escaped
	i := skipSpace(b, keyEnd)
	if i >= len(b) || b[i] != ':' {
		return it.fail(errMalformed)
	}
	i = skipSpace(b, i+1)
	valEnd, err := skipValue(b, i)
	if err != nil {
		return it.fail(err)
	}
	it.val, it.i = b[i:valEnd], valEnd
	return true
}

// name returns the current member name without quotes. Escaped names (rare:
// Tracee never writes them) cost an allocation.
func (it *memberIter) name() string {
	if !it.keyEscaped {
		return string(it.key[1 : len(it.key)-1])
	}
	s, err := decodeString(it.key)
	if err != nil {
		return string(it.key)
	}
	return s
}

// nameIs compares the current member name with s without allocating.
func (it *memberIter) nameIs(s string) bool {
	if it.keyEscaped {
		return it.name() == s
	}
	return string(it.key[1:len(it.key)-1]) == s
}

// decodeString decodes a raw JSON string, taking the cheap path when it
// holds no escapes and only valid UTF-8.
func decodeString(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", fmt.Errorf("%w: %s is not a string", ErrBadField, snippet(raw))
	}
	inner := raw[1 : len(raw)-1]
	plain := utf8.Valid(inner)
	for _, c := range inner {
		if c == '\\' || c == '"' || c < 0x20 {
			plain = false
			break
		}
	}
	if plain {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%w: %s is not a string: %v", ErrBadField, snippet(raw), err)
	}
	return s, nil
}

// snippet shortens raw JSON for error messages, so a huge bad value does not
// make a huge error.
func snippet(raw []byte) string {
	const max = 48
	if len(raw) <= max {
		return string(raw)
	}
	return string(raw[:max]) + "..."
}
