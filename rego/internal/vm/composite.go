package vm

import "sort"

// indexAt is the size from which objects and sets index their string
// members in a map; smaller ones are searched linearly, which is faster.
const indexAt = 32

// Array is a Rego array.
type Array struct {
	elems  []Value
	frozen bool                // shared: a statement that changes it changes a copy
	index  map[string]struct{} // a frozen array's string elements, from indexAt/4 elements on
}

// containsString reports whether s is an element, through the index of a
// frozen array when it has one (membership tests on configuration lists).
func (a *Array) containsString(s string) (found, indexed bool) {
	if a.index == nil {
		return false, false
	}
	_, found = a.index[s]
	return found, true
}

// Len returns the number of elements.
func (a *Array) Len() int { return len(a.elems) }

// Append adds v at the end.
func (a *Array) Append(v Value) { a.elems = append(a.elems, v) }

// Object is a Rego object. Its members iterate in Rego's order (sorted by
// key), as OPA iterates them.
type Object struct {
	keys, vals []Value
	index      map[string]int32 // positions of string keys, from indexAt members on
	sorted     bool
	frozen     bool // shared: sorted once, and a statement that changes it changes a copy
}

// NewObject returns an empty object with room for n members.
func NewObject(n int) *Object {
	return &Object{keys: make([]Value, 0, n), vals: make([]Value, 0, n), sorted: true}
}

// Len returns the number of members.
func (o *Object) Len() int { return len(o.keys) }

// find returns the position of key, or -1.
func (o *Object) find(key Value) int {
	if key.kind == KindString {
		s := key.str()
		if o.index != nil {
			if i, ok := o.index[s]; ok {
				return int(i)
			}
			return -1
		}
		for i := range o.keys {
			if k := &o.keys[i]; k.kind == KindString && k.str() == s {
				return i
			}
		}
		return -1
	}
	for i := range o.keys {
		if equal(&o.keys[i], &key) {
			return i
		}
	}
	return -1
}

// Get returns the value of key.
func (o *Object) Get(key Value) (Value, bool) {
	if i := o.find(key); i >= 0 {
		return o.vals[i], true
	}
	return Undefined, false
}

// Insert sets key to value.
func (o *Object) Insert(key, value Value) {
	if i := o.find(key); i >= 0 {
		o.vals[i] = value
		return
	}
	if n := len(o.keys); n > 0 && o.sorted && Compare(o.keys[n-1], key) > 0 {
		o.sorted = false
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, value)
	switch {
	case o.index != nil:
		if key.kind == KindString {
			o.index[key.str()] = int32(len(o.keys) - 1)
		}
	case len(o.keys) >= indexAt:
		o.reindex()
	}
}

func (o *Object) reindex() {
	o.index = make(map[string]int32, len(o.keys))
	for i, k := range o.keys {
		if k.kind == KindString {
			o.index[k.str()] = int32(i)
		}
	}
}

// sort puts the members in Rego's order.
func (o *Object) sort() {
	if o.sorted {
		return
	}
	sort.Sort(objectOrder{o})
	o.sorted = true
	if o.index != nil {
		o.reindex()
	}
}

type objectOrder struct{ o *Object }

func (x objectOrder) Len() int           { return len(x.o.keys) }
func (x objectOrder) Less(i, j int) bool { return Compare(x.o.keys[i], x.o.keys[j]) < 0 }
func (x objectOrder) Swap(i, j int) {
	x.o.keys[i], x.o.keys[j] = x.o.keys[j], x.o.keys[i]
	x.o.vals[i], x.o.vals[j] = x.o.vals[j], x.o.vals[i]
}

// copy returns a shallow copy of o.
func (o *Object) copy() *Object {
	c := &Object{keys: append([]Value(nil), o.keys...), vals: append([]Value(nil), o.vals...), sorted: o.sorted}
	if o.index != nil {
		c.reindex()
	}
	return c
}

// Set is a Rego set. Its elements iterate in Rego's order, as OPA
// iterates them.
type Set struct {
	elems  []Value
	index  map[string]struct{} // string elements, from indexAt elements on
	sorted bool
	frozen bool // shared: sorted once, and a statement that changes it changes a copy
}

// NewSet returns an empty set with room for n elements.
func NewSet(n int) *Set { return &Set{elems: make([]Value, 0, n), sorted: true} }

// Len returns the number of elements.
func (s *Set) Len() int { return len(s.elems) }

// Contains reports whether v is an element.
func (s *Set) Contains(v Value) bool {
	if v.kind == KindString {
		if s.index != nil {
			_, ok := s.index[v.str()]
			return ok
		}
		for i := range s.elems {
			if e := &s.elems[i]; e.kind == KindString && e.str() == v.str() {
				return true
			}
		}
		return false
	}
	for i := range s.elems {
		if Equal(s.elems[i], v) {
			return true
		}
	}
	return false
}

// Add adds v.
func (s *Set) Add(v Value) {
	if s.Contains(v) {
		return
	}
	if n := len(s.elems); n > 0 && s.sorted && Compare(s.elems[n-1], v) > 0 {
		s.sorted = false
	}
	s.elems = append(s.elems, v)
	switch {
	case s.index != nil:
		if v.kind == KindString {
			s.index[v.str()] = struct{}{}
		}
	case len(s.elems) >= indexAt:
		s.index = make(map[string]struct{}, len(s.elems))
		for _, e := range s.elems {
			if e.kind == KindString {
				s.index[e.str()] = struct{}{}
			}
		}
	}
}

// sort puts the elements in Rego's order.
func (s *Set) sort() {
	if s.sorted {
		return
	}
	sort.Slice(s.elems, func(i, j int) bool { return Compare(s.elems[i], s.elems[j]) < 0 })
	s.sorted = true
}

// Freeze makes v and every composite inside it safe to share between
// machines: sorted now, never sorted or changed in place again.
func Freeze(v Value) Value {
	switch v.kind {
	case KindArray:
		a := v.Array()
		if !a.frozen {
			for i := range a.elems {
				a.elems[i] = Freeze(a.elems[i])
			}
			if len(a.elems) >= indexAt/4 {
				a.index = make(map[string]struct{}, len(a.elems))
				for _, e := range a.elems {
					if e.kind == KindString {
						a.index[e.str()] = struct{}{}
					}
				}
			}
			a.frozen = true
		}
	case KindObject:
		o := v.concrete()
		if o != nil && !o.frozen {
			for i := range o.vals {
				o.keys[i], o.vals[i] = Freeze(o.keys[i]), Freeze(o.vals[i])
			}
			o.sort()
			o.frozen = true
		}
	case KindSet:
		s := v.Set()
		if !s.frozen {
			for i := range s.elems {
				s.elems[i] = Freeze(s.elems[i])
			}
			s.sort()
			s.frozen = true
		}
	}
	return v
}

// thaw returns a copy of a frozen array, for a statement to change.
func (a *Array) thaw() *Array {
	return &Array{elems: append(make([]Value, 0, len(a.elems)+1), a.elems...)}
}

// thaw returns a copy of a frozen set, for a statement to change.
func (s *Set) thaw() *Set {
	c := NewSet(len(s.elems) + 1)
	for _, e := range s.elems {
		c.Add(e)
	}
	return c
}
