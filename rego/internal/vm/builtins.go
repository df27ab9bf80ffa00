package vm

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/open-policy-agent/opa/v1/topdown"
)

// builtin is a builtin function a program calls.
type builtin struct {
	name     string
	native   nativeFunc          // ours, for the common cases; nil when we have none
	fallback topdown.BuiltinFunc // OPA's
	noResult bool                // the function returns nothing (print)
	guarded  bool                // calls are checked against the memory budget before they run (budget.go)
	relation bool                // the function gives many outputs (walk): all of them, as an array
}

// nativeFunc implements a builtin for the arguments it knows; for others
// it returns errUseOPA, and OPA's implementation answers. Undefined is an
// undefined call.
type nativeFunc func(m *Machine, args []Value) (Value, error)

// errUseOPA hands a call to OPA's implementation of the builtin: ours only
// covers the common cases, and OPA's is the reference for the rest.
var errUseOPA = errors.New("vm: use OPA's implementation")

// natives are our implementations of the builtins rules call on every
// event. Each gives OPA's answer or hands the call over.
var natives = map[string]nativeFunc{
	"equal":             func(_ *Machine, a []Value) (Value, error) { return Bool(Equal(a[0], a[1])), nil },
	"neq":               func(_ *Machine, a []Value) (Value, error) { return Bool(!Equal(a[0], a[1])), nil },
	"gt":                func(_ *Machine, a []Value) (Value, error) { return Bool(Compare(a[0], a[1]) > 0), nil },
	"gte":               func(_ *Machine, a []Value) (Value, error) { return Bool(Compare(a[0], a[1]) >= 0), nil },
	"lt":                func(_ *Machine, a []Value) (Value, error) { return Bool(Compare(a[0], a[1]) < 0), nil },
	"lte":               func(_ *Machine, a []Value) (Value, error) { return Bool(Compare(a[0], a[1]) <= 0), nil },
	"internal.member_2": member,
	"count":             count,
	"bits.and":          intOp(func(x, y int64) (int64, bool) { return x & y, true }),
	"bits.or":           intOp(func(x, y int64) (int64, bool) { return x | y, true }),
	"plus":              intOp(addInt),
	"minus":             intOp(func(x, y int64) (int64, bool) { return addInt(x, -y) }),
	"startswith":        stringTest(strings.HasPrefix),
	"endswith":          stringTest(strings.HasSuffix),
	"contains":          stringTest(strings.Contains),
	"is_number":         kindTest(KindNumber),
	"is_string":         kindTest(KindString),
	"is_boolean":        kindTest(KindBool),
	"is_array":          kindTest(KindArray),
	"is_object":         kindTest(KindObject),
	"is_set":            kindTest(KindSet),
	"is_null":           kindTest(KindNull),
	"object.get":        objectGet,
	"object.union":      objectUnion,
	"concat":            concat,
	"or":                setUnion,
	"glob.match":        globMatch,
	"sprintf":           sprintf,
	"round":             integral,
	"to_number":         toNumber,
}

func member(_ *Machine, a []Value) (Value, error) {
	x, coll := a[0], a[1]
	switch coll.kind {
	case KindSet:
		return Bool(coll.Set().Contains(x)), nil
	case KindArray:
		arr := coll.Array()
		if x.kind == KindString {
			if found, indexed := arr.containsString(x.str()); indexed {
				return Bool(found), nil
			}
		}
		for i := range arr.elems {
			if equal(&arr.elems[i], &x) {
				return Bool(true), nil
			}
		}
		return Bool(false), nil
	case KindObject:
		o := coll.Object()
		for _, v := range o.vals {
			if Equal(v, x) {
				return Bool(true), nil
			}
		}
		return Bool(false), nil
	}
	return Bool(false), nil
}

func count(_ *Machine, a []Value) (Value, error) {
	if n, ok := a[0].Len(); ok {
		return Int(int64(n)), nil
	}
	return Undefined, errUseOPA
}

// intOp applies op to two int64 numbers; anything else (floats, big
// numbers, sets for minus, an overflow) goes to OPA.
func intOp(op func(x, y int64) (int64, bool)) nativeFunc {
	return func(_ *Machine, a []Value) (Value, error) {
		x, ok1 := a[0].IntValue()
		y, ok2 := a[1].IntValue()
		if !ok1 || !ok2 || y == math.MinInt64 {
			return Undefined, errUseOPA
		}
		if z, ok := op(x, y); ok {
			return Int(z), nil
		}
		return Undefined, errUseOPA
	}
}

func addInt(x, y int64) (int64, bool) {
	z := x + y
	if (z > x) != (y > 0) {
		return 0, false
	}
	return z, true
}

func stringTest(test func(s, t string) bool) nativeFunc {
	return func(_ *Machine, a []Value) (Value, error) {
		s, ok1 := a[0].StringValue()
		t, ok2 := a[1].StringValue()
		if !ok1 || !ok2 {
			return Undefined, errUseOPA
		}
		return Bool(test(s, t)), nil
	}
}

func kindTest(k Kind) nativeFunc {
	return func(_ *Machine, a []Value) (Value, error) { return Bool(a[0].kind == k), nil }
}

// objectGet answers object.get: a key, or a path (an array of keys)
// followed through objects, arrays and sets.
func objectGet(_ *Machine, a []Value) (Value, error) {
	if a[0].kind != KindObject {
		return Undefined, errUseOPA
	}
	if a[1].kind != KindArray {
		if v, ok := a[0].Get(a[1]); ok {
			return v, nil
		}
		return a[2], nil
	}
	cur := a[0]
	for _, k := range a[1].Array().elems {
		v, ok := cur.Get(k)
		if !ok {
			return a[2], nil
		}
		cur = v
	}
	return cur, nil
}

// objectUnion answers object.union: b's members over a's, objects under
// the same key merged the same way.
func objectUnion(_ *Machine, a []Value) (Value, error) {
	if a[0].kind != KindObject || a[1].kind != KindObject {
		return Undefined, errUseOPA
	}
	x, y := a[0].Object(), a[1].Object()
	switch {
	case x.Len() == 0:
		return a[1], nil
	case y.Len() == 0:
		return a[0], nil
	}
	return ObjectValue(unionObjects(x, y)), nil
}

func unionObjects(x, y *Object) *Object {
	out := x.copy()
	for i, k := range y.keys {
		v := y.vals[i]
		if cur, ok := out.Get(k); ok && cur.kind == KindObject && v.kind == KindObject {
			v = ObjectValue(unionObjects(cur.Object(), v.Object()))
		}
		out.Insert(k, v)
	}
	return out
}

// concat answers concat of an array or set of strings.
func concat(_ *Machine, a []Value) (Value, error) {
	sep, ok := a[0].StringValue()
	if !ok {
		return Undefined, errUseOPA
	}
	var elems []Value
	switch a[1].kind {
	case KindArray:
		elems = a[1].Array().elems
	case KindSet:
		s := a[1].Set()
		s.sort()
		elems = s.elems
	default:
		return Undefined, errUseOPA
	}
	var b strings.Builder
	for i, e := range elems {
		str, ok := e.StringValue()
		if !ok {
			return Undefined, errUseOPA
		}
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(str)
	}
	return String(b.String()), nil
}

// setUnion answers or (|) of two sets.
func setUnion(_ *Machine, a []Value) (Value, error) {
	x, y := a[0].Set(), a[1].Set()
	if x == nil || y == nil {
		return Undefined, errUseOPA
	}
	out := NewSet(x.Len() + y.Len())
	for _, e := range x.elems {
		out.Add(e)
	}
	for _, e := range y.elems {
		out.Add(e)
	}
	return SetValue(out), nil
}

// integral answers round of an integer: itself.
func integral(_ *Machine, a []Value) (Value, error) {
	if a[0].isInt() {
		return a[0], nil
	}
	return Undefined, errUseOPA
}

// toNumber answers to_number of a number: itself.
func toNumber(_ *Machine, a []Value) (Value, error) {
	if a[0].kind == KindNumber {
		return a[0], nil
	}
	return Undefined, errUseOPA
}

// sprintf answers sprintf when every argument is an integer or a string:
// the values OPA itself hands to fmt.Sprintf as int and string.
func sprintf(_ *Machine, a []Value) (Value, error) {
	format, ok := a[0].StringValue()
	if !ok || a[1].kind != KindArray {
		return Undefined, errUseOPA
	}
	elems := a[1].Array().elems
	args := make([]any, len(elems))
	for i := range elems {
		e := &elems[i]
		switch {
		case e.isInt():
			args[i] = int(e.n)
		case e.kind == KindString:
			args[i] = e.str()
		default:
			return Undefined, errUseOPA
		}
	}
	return String(fmt.Sprintf(format, args...)), nil
}
