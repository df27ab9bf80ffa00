package vm

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Kind is the type of a Value.
type Kind uint8

// The kinds of value, in Rego's sort order (null < boolean < number <
// string < array < object < set).
const (
	KindUndefined Kind = iota
	KindNull
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
	KindSet
)

// Value is a Rego value: a scalar held inline, or a composite behind a
// pointer. The zero Value is undefined. Values are small and copied
// freely; composites are shared, as OPA's are, and changed only while the
// statement that made them builds them.
type Value struct {
	kind Kind
	lazy bool           // KindObject: p is a *LazyRef, not an *Object
	n    int64          // KindBool: 0 or 1; KindNumber: the number when p is nil, else the text's length; KindString: the length
	p    unsafe.Pointer // KindString, KindNumber: the text's bytes; composites: *Array, *Object, *Set, *LazyRef
}

// LazyRef holds a Lazy for values to point to: made once per Lazy (a
// view of a struct that lives as long as its machine), it keeps values
// three words long.
type LazyRef struct{ l Lazy }

// NewLazy returns a reference to l, for LazyObject.
func NewLazy(l Lazy) *LazyRef { return &LazyRef{l: l} }

// str returns the text of a string or of a number held as text.
func (v *Value) str() string { return unsafe.String((*byte)(v.p), int(v.n)) }

// textValue returns a value of kind k holding text.
func textValue(k Kind, text string) Value {
	return Value{kind: k, n: int64(len(text)), p: unsafe.Pointer(unsafe.StringData(text))}
}

// Lazy is an object whose members are computed on demand, such as a view
// of a Go struct: Get answers lookups of one key without building the
// rest, Object builds (once) the whole object, for everything else.
type Lazy interface {
	// Get returns the value of the member key, or false when it has none.
	Get(key string) (Value, bool)
	// Object returns the whole object; Get and Object must agree.
	Object() *Object
}

// Undefined is the undefined value.
var Undefined = Value{}

// Null returns the null value.
func Null() Value { return Value{kind: KindNull} }

// Bool returns b as a value.
func Bool(b bool) Value {
	if b {
		return Value{kind: KindBool, n: 1}
	}
	return Value{kind: KindBool}
}

// Int returns n as a number.
func Int(n int64) Value { return Value{kind: KindNumber, n: n} }

// Uint returns n as a number.
func Uint(n uint64) Value {
	if n <= 1<<63-1 {
		return Int(int64(n))
	}
	return textValue(KindNumber, strconv.FormatUint(n, 10))
}

// NumberText returns the number written as text (JSON syntax). Integers
// that fit an int64 are held as one.
func NumberText(text string) Value {
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return Int(n)
	}
	if text == "" {
		return Int(0)
	}
	return textValue(KindNumber, text)
}

// String returns s as a value.
func String(s string) Value { return textValue(KindString, s) }

// ArrayOf returns an array holding elems (not copied).
func ArrayOf(elems ...Value) Value { return arrayValue(&Array{elems: elems}) }

func arrayValue(a *Array) Value { return Value{kind: KindArray, p: unsafe.Pointer(a)} }

// ObjectValue returns o as a value.
func ObjectValue(o *Object) Value { return Value{kind: KindObject, p: unsafe.Pointer(o)} }

// SetValue returns s as a value.
func SetValue(s *Set) Value { return Value{kind: KindSet, p: unsafe.Pointer(s)} }

// LazyObject returns the Lazy r refers to as an object value.
func LazyObject(r *LazyRef) Value { return Value{kind: KindObject, lazy: true, p: unsafe.Pointer(r)} }

// Kind returns the value's kind.
func (v Value) Kind() Kind { return v.kind }

// Defined reports whether v is defined.
func (v Value) Defined() bool { return v.kind != KindUndefined }

// Truthy reports whether v is the boolean true.
func (v Value) Truthy() bool { return v.kind == KindBool && v.n == 1 }

// StringValue returns the string v holds.
func (v Value) StringValue() (string, bool) {
	if v.kind != KindString {
		return "", false
	}
	return v.str(), true
}

// IntValue returns the integer v holds, when it is an integer that fits an
// int64.
func (v Value) IntValue() (int64, bool) {
	if v.kind != KindNumber {
		return 0, false
	}
	if v.p == nil {
		return v.n, true
	}
	return 0, false
}

// isInt reports whether v is a number held as an int64.
func (v Value) isInt() bool { return v.kind == KindNumber && v.p == nil }

// Array returns the array v holds, or nil.
func (v Value) Array() *Array {
	if v.kind != KindArray {
		return nil
	}
	return (*Array)(v.p)
}

// Object returns the object v holds (built, when it is lazy), or nil.
func (v Value) Object() *Object {
	if v.kind != KindObject {
		return nil
	}
	if v.lazy {
		return (*LazyRef)(v.p).l.Object()
	}
	return (*Object)(v.p)
}

// concrete returns the *Object of an object value that is not lazy.
func (v *Value) concrete() *Object {
	if v.kind != KindObject || v.lazy {
		return nil
	}
	return (*Object)(v.p)
}

// Set returns the set v holds, or nil.
func (v Value) Set() *Set {
	if v.kind != KindSet {
		return nil
	}
	return (*Set)(v.p)
}

// LazyValue returns the Lazy behind an object value, if it is one.
func (v Value) LazyValue() (Lazy, bool) {
	if v.kind != KindObject || !v.lazy {
		return nil, false
	}
	return (*LazyRef)(v.p).l, true
}

// Len returns the number of elements of a composite, and the number of
// characters of a string.
func (v Value) Len() (int, bool) {
	switch v.kind {
	case KindString:
		return utf8.RuneCountInString(v.str()), true
	case KindArray:
		return len(v.Array().elems), true
	case KindObject:
		return v.Object().Len(), true
	case KindSet:
		return v.Set().Len(), true
	}
	return 0, false
}

// Get looks key up in an object, array or set (as Rego's x[key] does).
func (v Value) Get(key Value) (Value, bool) { return v.get(&key) }

// get is Get without copying the operands: the machine's hot path.
func (v *Value) get(key *Value) (Value, bool) {
	switch v.kind {
	case KindObject:
		if !v.lazy {
			return (*Object)(v.p).Get(*key)
		}
		if key.kind != KindString {
			return Undefined, false
		}
		return (*LazyRef)(v.p).l.Get(key.str())
	case KindArray:
		a := (*Array)(v.p)
		n, ok := key.IntValue()
		if !ok {
			n, ok = integralText(*key)
		}
		if !ok || n < 0 || n >= int64(len(a.elems)) {
			return Undefined, false
		}
		return a.elems[n], true
	case KindSet:
		if (*Set)(v.p).Contains(*key) {
			return *key, true
		}
	}
	return Undefined, false
}

// integralText returns a number held as text (1.0, 1e2) as an int64 when
// it is one.
func integralText(v Value) (int64, bool) {
	if v.kind != KindNumber || v.p == nil {
		return 0, false
	}
	n, ok := ast.Number(v.str()).Int64()
	return n, ok
}

// Equal reports whether a and b are the same Rego value.
func Equal(a, b Value) bool { return equal(&a, &b) }

// equal is Equal without copying the operands: the machine's hot path.
func equal(a, b *Value) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case KindUndefined, KindNull:
		return true
	case KindBool:
		return a.n == b.n
	case KindString:
		return a.n == b.n && a.str() == b.str()
	case KindNumber:
		if a.p == nil && b.p == nil {
			return a.n == b.n
		}
	case KindObject:
		if a.p == b.p {
			return true
		}
		if ao, bo := a.Object(), b.Object(); ao.Len() != bo.Len() {
			return false
		}
	case KindSet:
		if a.p == b.p {
			return true
		}
		if a.Set().Len() != b.Set().Len() {
			return false
		}
	case KindArray:
		if a.p == b.p {
			return true
		}
		ae, be := a.Array().elems, b.Array().elems
		if len(ae) != len(be) {
			return false
		}
		for i := range ae {
			if !equal(&ae[i], &be[i]) {
				return false
			}
		}
		return true
	}
	return Compare(*a, *b) == 0
}

// Compare orders a and b as Rego does (ast.Compare): by kind, then by
// value.
func Compare(a, b Value) int {
	if a.kind != b.kind {
		if a.kind < b.kind {
			return -1
		}
		return 1
	}
	switch a.kind {
	case KindUndefined, KindNull:
		return 0
	case KindBool:
		return cmp.Compare(a.n, b.n)
	case KindNumber:
		if a.p == nil && b.p == nil {
			return cmp.Compare(a.n, b.n)
		}
		return ast.NumberCompare(a.number(), b.number())
	case KindString:
		return strings.Compare(a.str(), b.str())
	case KindArray:
		ae, be := a.Array().elems, b.Array().elems
		for i := 0; i < len(ae) && i < len(be); i++ {
			if c := Compare(ae[i], be[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(int64(len(ae)), int64(len(be)))
	}
	// Objects and sets: rare enough to let OPA decide.
	return ast.Compare(a.AST(), b.AST())
}

// number returns a number value as OPA's.
func (v Value) number() ast.Number {
	if v.p == nil {
		return ast.Number(strconv.FormatInt(v.n, 10))
	}
	return ast.Number(v.str())
}

// FromAST converts an OPA value. Only values (not refs, variables or
// comprehensions) convert.
func FromAST(x ast.Value) (Value, error) {
	switch x := x.(type) {
	case ast.Null:
		return Null(), nil
	case ast.Boolean:
		return Bool(bool(x)), nil
	case ast.Number:
		return NumberText(string(x)), nil
	case ast.String:
		return String(string(x)), nil
	case *ast.Array:
		elems := make([]Value, x.Len())
		for i := range elems {
			e, err := FromAST(x.Elem(i).Value)
			if err != nil {
				return Undefined, err
			}
			elems[i] = e
		}
		return ArrayOf(elems...), nil
	case ast.Object:
		o := NewObject(x.Len())
		var err error
		x.Foreach(func(k, v *ast.Term) {
			if err != nil {
				return
			}
			var kv, vv Value
			if kv, err = FromAST(k.Value); err != nil {
				return
			}
			if vv, err = FromAST(v.Value); err != nil {
				return
			}
			o.Insert(kv, vv)
		})
		return ObjectValue(o), err
	case ast.Set:
		s := NewSet(x.Len())
		var err error
		x.Foreach(func(t *ast.Term) {
			if err != nil {
				return
			}
			var e Value
			if e, err = FromAST(t.Value); err == nil {
				s.Add(e)
			}
		})
		return SetValue(s), err
	}
	return Undefined, fmt.Errorf("vm: %T is not a value", x)
}

// AST converts v to an OPA value; nil when v is undefined.
func (v Value) AST() ast.Value {
	switch v.kind {
	case KindNull:
		return ast.NullValue
	case KindBool:
		return ast.Boolean(v.n == 1)
	case KindNumber:
		return v.number()
	case KindString:
		return ast.String(v.str())
	case KindArray:
		elems := v.Array().elems
		terms := make([]*ast.Term, len(elems))
		for i, e := range elems {
			terms[i] = ast.NewTerm(e.AST())
		}
		return ast.NewArray(terms...)
	case KindObject:
		o := v.Object()
		items := make([][2]*ast.Term, len(o.keys))
		for i := range o.keys {
			items[i] = [2]*ast.Term{ast.NewTerm(o.keys[i].AST()), ast.NewTerm(o.vals[i].AST())}
		}
		return ast.NewObject(items...)
	case KindSet:
		s := v.Set()
		terms := make([]*ast.Term, len(s.elems))
		for i, e := range s.elems {
			terms[i] = ast.NewTerm(e.AST())
		}
		return ast.NewSet(terms...)
	}
	return nil
}

// Go converts v to the Go value encoding/json would decode its JSON into,
// except that integral numbers become int (uint64 above math.MaxInt64,
// float64 when not integral or beyond both) and sets
// become arrays in Rego's order. Object keys that are not strings are
// written as their JSON, as OPA's ast.JSON writes them.
func (v Value) Go() any {
	switch v.kind {
	case KindNull:
		return nil
	case KindBool:
		return v.n == 1
	case KindNumber:
		if v.p == nil {
			return int(v.n)
		}
		if n, err := json.Number(v.str()).Int64(); err == nil {
			return int(n)
		}
		if n, err := strconv.ParseUint(v.str(), 10, 64); err == nil {
			return n // a uint64 above math.MaxInt64, exactly
		}
		f, _ := json.Number(v.str()).Float64()
		return f
	case KindString:
		return v.str()
	case KindArray:
		elems := v.Array().elems
		out := make([]any, len(elems))
		for i, e := range elems {
			out[i] = e.Go()
		}
		return out
	case KindObject:
		o := v.Object()
		out := make(map[string]any, len(o.keys))
		for i, k := range o.keys {
			key, ok := k.StringValue()
			if !ok {
				key = jsonKey(k)
			}
			out[key] = o.vals[i].Go()
		}
		return out
	case KindSet:
		s := v.Set()
		s.sort()
		out := make([]any, len(s.elems))
		for i, e := range s.elems {
			out[i] = e.Go()
		}
		return out
	}
	return nil
}

// String formats v as Rego would print it.
func (v Value) String() string {
	if v.kind == KindUndefined {
		return "<undefined>"
	}
	return v.AST().String()
}

// jsonKey writes an object key that is not a string as OPA's ast.JSON
// does: its JSON, as encoding/json's Encoder writes it.
func jsonKey(k Value) string {
	x, err := ast.JSON(k.AST())
	if err != nil {
		return k.String()
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(x); err != nil {
		return k.String()
	}
	return strings.TrimSpace(buf.String())
}
