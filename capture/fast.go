package capture

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"sync"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/pidfdsig/pidfdsig/events"
)

// This file holds the shared machinery of the fast decoders (fast_legacy.go,
// fast_proto.go). They parse a line with fastjson and fill trace.Event
// straight from the parsed values, instead of going through encoding/json's
// reflection and trace.Argument's per-argument json.Decoder.
//
// The reference behaviour stays that of the encoding/json decoders
// (decodeLegacyStd, decodeProtoStd): the fast decoders only ever accept a
// line when they are sure to produce exactly what those would, and hand
// anything else to them (a bad line, so that its error is the same; a rare
// value type; a key encoding/json would match case-insensitively; ...).
// FuzzFastMatchesStd holds them to that.
//
// fastjson is more lenient than encoding/json: it accepts numbers such as
// "+1", "01", "1." or "NaN", control characters in strings and bad escapes.
// So before trusting fastjson's parse, a line must be either
//
//   - plain: no backslash, no byte below 0x20 and valid UTF-8, checked in one
//     quick pass. Then every string of the line is valid JSON as it stands,
//     its value being its raw bytes, and only numbers need checking: each
//     number the walk meets is held to the JSON grammar (checkNumbers).
//   - or valid according to json.Valid, in valid UTF-8 and without escaped
//     UTF-16 surrogates. Then fastjson's unescaping gives what encoding/json
//     gives (they differ only on bad escapes, lone surrogates and invalid
//     UTF-8).

// fastLineLimit is the longest line whose fastjson parse the decoder keeps
// memory for; after a longer one the parser is dropped, so that one huge
// line does not pin its parse tree for the rest of the stream.
const fastLineLimit = 64 << 10

// lineDecoder decodes lines, reusing its buffers from line to line. A Reader
// owns one; the package-level Decode functions take one from a pool.
type lineDecoder struct {
	parser fastjson.Parser
	// checkNumbers is set for plain lines, whose numbers fastjson has not
	// held to the JSON grammar.
	checkNumbers bool
	// buf receives the raw text of scalar values (see raw).
	buf []byte
	// strs interns the strings that repeat from event to event.
	strs interner
	// proto is the scratch space of the encoding/json proto decoder.
	proto protoEvent
	// stdOnly disables the fast decoders; tests and benchmarks use it to
	// compare them with the encoding/json ones.
	stdOnly bool
}

var decoderPool = sync.Pool{New: func() any { return new(lineDecoder) }}

// parse parses line with fastjson if it can be trusted to match
// encoding/json (see above); ok is false otherwise.
func (d *lineDecoder) parse(line []byte) (v *fastjson.Value, ok bool) {
	if d.stdOnly {
		return nil, false
	}
	if isPlain(line) {
		d.checkNumbers = true
	} else {
		if !utf8.Valid(line) || hasSurrogateEscape(line) || !json.Valid(line) {
			return nil, false
		}
		d.checkNumbers = false
	}
	v, err := d.parser.ParseBytes(line)
	if err != nil {
		return nil, false
	}
	return v, true
}

// release drops the parser's memory after a long line.
func (d *lineDecoder) release(line []byte) {
	if len(line) > fastLineLimit {
		d.parser = fastjson.Parser{}
		d.buf = nil
	}
}

// isPlain reports whether line has no backslash, no byte below 0x20 and is
// valid UTF-8. It tests eight bytes at a time while they are ASCII.
func isPlain(line []byte) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	if bytes.IndexByte(line, '\\') >= 0 {
		return false
	}
	// The high bit of a byte of (x-0x20*ones)|x is set if the byte, or a
	// lower one, is below 0x20 or above 0x7f.
	b := line
	for len(b) >= 16 {
		x, y := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
		if ((x-0x20*ones)|x|(y-0x20*ones)|y)&highs != 0 {
			break
		}
		b = b[16:]
	}
	for len(b) >= 8 {
		if x := binary.LittleEndian.Uint64(b); ((x-0x20*ones)|x)&highs != 0 {
			break
		}
		b = b[8:]
	}
	ascii := true
	for _, c := range b {
		if c < 0x20 {
			return false
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	return ascii || utf8.Valid(b)
}

// hasSurrogateEscape reports whether line may hold an escaped UTF-16
// surrogate (\uD800 to \uDFFF), which fastjson and encoding/json unescape
// differently. It may report an escaped backslash followed by "ud8" too.
func hasSurrogateEscape(line []byte) bool {
	for {
		i := bytes.Index(line, []byte(`\u`))
		if i < 0 || i+4 > len(line) {
			return false
		}
		if c, n := line[i+2], line[i+3]; (c == 'd' || c == 'D') && (n >= '8' && n <= '9' || n >= 'a' && n <= 'f' || n >= 'A' && n <= 'F') {
			return true
		}
		line = line[i+2:]
	}
}

// validNumber holds a number fastjson accepted to the JSON grammar.
func validNumber(s []byte) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i == len(s):
		return false
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

// raw returns the JSON text of a scalar value as the line has it: a string
// still quoted and escaped, a number as written. It must be called before
// anything asks v for its Type, which unescapes a string in place. The
// result is valid until the next call.
func (d *lineDecoder) raw(v *fastjson.Value) []byte {
	d.buf = v.MarshalTo(d.buf[:0])
	return d.buf
}

// integer returns the value of a JSON number that is an integer of the
// given size, as strconv.ParseInt does for encoding/json; ok is false for
// anything else.
func (d *lineDecoder) integer(v *fastjson.Value, bits int) (int64, bool) {
	if v.Type() != fastjson.TypeNumber {
		return 0, false
	}
	return parseJSONInt(d.raw(v), bits)
}

// unsigned is integer for unsigned integers.
func (d *lineDecoder) unsigned(v *fastjson.Value, bits int) (uint64, bool) {
	if v.Type() != fastjson.TypeNumber {
		return 0, false
	}
	return parseJSONUint(d.raw(v), bits)
}

// parseJSONInt parses a JSON number that is an integer fitting in bits. It
// reports false for what strconv.ParseInt(s, 10, bits) rejects (fractions,
// exponents, values out of range) and for what the JSON grammar rejects
// (leading zeros, a plus sign), so it needs no separate validNumber.
func parseJSONInt(b []byte, bits int) (int64, bool) {
	if len(b) > 0 && b[0] == '-' {
		u, ok := parseJSONDigits(b[1:])
		if !ok || u > 1<<(bits-1) {
			return 0, false
		}
		return int64(-u), true
	}
	u, ok := parseJSONDigits(b)
	if !ok || u > 1<<(bits-1)-1 {
		return 0, false
	}
	return int64(u), true
}

// parseJSONUint is parseJSONInt for strconv.ParseUint.
func parseJSONUint(b []byte, bits int) (uint64, bool) {
	u, ok := parseJSONDigits(b)
	if !ok || bits < 64 && u > 1<<bits-1 {
		return 0, false
	}
	return u, true
}

// parseJSONDigits parses the digits of a JSON integer: no sign, no leading
// zero, at most math.MaxUint64.
func parseJSONDigits(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if b[0] == '0' {
		return 0, len(b) == 1
	}
	last := len(b)
	if last == 20 {
		last = 19 // 19 digits always fit; the 20th may not
	}
	var n uint64
	for _, c := range b[:last] {
		c -= '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + uint64(c)
	}
	if last == len(b) {
		return n, true
	}
	c := b[19] - '0'
	hi, lo := bits.Mul64(n, 10)
	sum, carry := bits.Add64(lo, uint64(c), 0)
	if c > 9 || hi != 0 || carry != 0 {
		return 0, false
	}
	return sum, true
}

// number returns the text of a JSON number, ok false if v is not one (or,
// on a plain line, not one by the JSON grammar).
func (d *lineDecoder) number(v *fastjson.Value) ([]byte, bool) {
	if v.Type() != fastjson.TypeNumber {
		return nil, false
	}
	num := d.raw(v)
	if d.checkNumbers && !validNumber(num) {
		return nil, false
	}
	return num, true
}

// check reports whether a value the decoder otherwise ignores is valid JSON:
// on a plain line, whether its numbers are.
func (d *lineDecoder) check(v *fastjson.Value) bool {
	if !d.checkNumbers {
		return true
	}
	switch v.Type() {
	case fastjson.TypeNumber:
		return validNumber(d.raw(v))
	case fastjson.TypeArray:
		items, _ := v.Array()
		for _, item := range items {
			if !d.check(item) {
				return false
			}
		}
	case fastjson.TypeObject:
		o, _ := v.Object()
		ok := true
		o.Visit(func(_ []byte, item *fastjson.Value) {
			ok = ok && d.check(item)
		})
		return ok
	}
	return true
}

// foldsToOneOf reports whether encoding/json would match key, which matched
// none of names exactly, to one of names anyway (it matches field names
// case-insensitively, with Unicode folding).
func foldsToOneOf(key []byte, names ...string) bool {
	for _, name := range names {
		if bytes.EqualFold(key, []byte(name)) {
			return true
		}
	}
	return false
}

// seen tracks which known keys an object has shown, to catch duplicates:
// encoding/json merges a repeated member into the first, which the fast
// decoders leave to it.
type seen uint64

// first marks key i seen and reports whether it was the first time.
func (s *seen) first(i uint) bool {
	bit := seen(1) << i
	if *s&bit != 0 {
		return false
	}
	*s |= bit
	return true
}

// Interning. Event names, argument names and type names come from a small
// set, and the context strings of a stream (process names, host name,
// executable paths...) repeat from event to event, so the decoders return
// shared copies instead of allocating each one again. Strings are
// immutable, so sharing them between events is safe.

const (
	// internMaxLen is the longest string a decoder interns.
	internMaxLen = 128
	// internSlots is the size of a decoder's interning table (a power of 2).
	internSlots = 512
)

// knownStrings are the names every decoder knows from the start: the event
// names, argument names and argument types of the events package, and the
// type names the decoders give arguments.
var knownStrings = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	add := func(s string) { m[s] = s }
	for _, def := range events.Definitions() {
		add(def.Name)
		for _, f := range def.Fields {
			add(f.Name)
			add(f.Type)
		}
	}
	for _, s := range []string{
		returnValueName,
		"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
		"trace.Pointer", "float", "float64", "string", "bool", "[]byte", "[]string",
		"[2]int32", "[]int32", "[]uint64", "SockAddr", "map[string]string",
		"trace.SlimCred", "slim_cred_t", "map[string]interface{}",
	} {
		add(s)
	}
	return m
})

// interner returns shared strings for byte slices. It is a direct-mapped
// table: a string that collides with another replaces it, so the table
// stays small whatever the stream holds, and the strings a stream repeats
// stay in it.
type interner struct {
	slots [internSlots]string
}

// get returns b as a string, shared with earlier calls when b is a known
// name or was seen before.
func (in *interner) get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > internMaxLen {
		return string(b)
	}
	slot := &in.slots[internHash(b)]
	if *slot == string(b) {
		return *slot
	}
	s, ok := knownStrings()[string(b)]
	if !ok {
		s = string(b)
	}
	*slot = s
	return s
}

// internHash picks a slot from the length and the first and last eight
// bytes of b.
func internHash(b []byte) uint64 {
	var x uint64
	if n := len(b); n >= 8 {
		x = binary.LittleEndian.Uint64(b) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(b[n-8:]), 29)
	} else {
		for _, c := range b {
			x = x<<8 | uint64(c)
		}
	}
	x ^= uint64(len(b))
	x *= 0x9e3779b97f4a7c15
	return x >> (64 - 9) // internSlots = 1<<9
}

// str returns the string value of v, interned; ok is false if v is not a
// string.
func (d *lineDecoder) str(v *fastjson.Value) (string, bool) {
	b, err := v.StringBytes()
	if err != nil {
		return "", false
	}
	return d.strs.get(b), true
}

// setStr stores the string value of v in *dst, leaving it alone for a JSON
// null as encoding/json does; ok is false for any other type.
func (d *lineDecoder) setStr(v *fastjson.Value, dst *string) bool {
	if v.Type() == fastjson.TypeNull {
		return true
	}
	s, ok := d.str(v)
	*dst = s
	return ok
}

// setBool stores a JSON boolean in *dst; null leaves it alone.
func setBool(v *fastjson.Value, dst *bool) bool {
	switch v.Type() {
	case fastjson.TypeTrue:
		*dst = true
	case fastjson.TypeFalse:
		*dst = false
	case fastjson.TypeNull:
	default:
		return false
	}
	return true
}

// jsonArray returns the items of a JSON array, or reports a JSON null;
// ok is false for any other type.
func jsonArray(v *fastjson.Value) (items []*fastjson.Value, null, ok bool) {
	switch v.Type() {
	case fastjson.TypeNull:
		return nil, true, true
	case fastjson.TypeArray:
		items, _ = v.Array()
		return items, false, true
	}
	return nil, false, false
}

// stringList decodes an array of strings into a []string as encoding/json
// would for a nil slice: null is nil, [] an empty slice. ok is false for
// anything else, null elements included (encoding/json makes them "", left
// to it). intern chooses interned strings, for context fields, or fresh
// ones, for argument values.
func (d *lineDecoder) stringList(v *fastjson.Value, intern bool) ([]string, bool) {
	items, null, ok := jsonArray(v)
	if !ok || null {
		return nil, ok
	}
	out := make([]string, len(items))
	for i, item := range items {
		b, err := item.StringBytes()
		if err != nil {
			return nil, false
		}
		if intern {
			out[i] = d.strs.get(b)
		} else {
			out[i] = string(b)
		}
	}
	return out, true
}
