package vm

import (
	"unicode/utf8"

	"github.com/gobwas/glob"
)

// globCacheSize bounds a machine's compiled globs; a full cache is
// emptied.
const globCacheSize = 128

type globKey struct {
	pattern, delimiters string
}

// globCache holds a machine's compiled glob.match patterns. OPA's own
// cache is shared by every evaluation behind a lock; a machine has one
// user at a time.
type globCache map[globKey]glob.Glob

// globMatch answers glob.match for a string pattern, delimiters given as
// an array of one-character strings (empty: "."), or null (none), and a
// string to match. It compiles patterns with the library OPA uses.
func globMatch(m *Machine, a []Value) (Value, error) {
	pattern, ok1 := a[0].StringValue()
	subject, ok2 := a[2].StringValue()
	if !ok1 || !ok2 {
		return Undefined, errUseOPA
	}
	var delims [8]rune
	n := 0
	delimKey := "" // the delimiters as a string, without allocating for one
	switch a[1].kind {
	case KindNull:
	case KindArray:
		elems := a[1].Array().elems
		if len(elems) > len(delims) {
			return Undefined, errUseOPA
		}
		for _, e := range elems {
			s, ok := e.StringValue()
			if !ok || utf8.RuneCountInString(s) != 1 {
				return Undefined, errUseOPA
			}
			delims[n], _ = utf8.DecodeRuneInString(s)
			n++
			delimKey = s
		}
		switch {
		case n == 0:
			delims[0], n, delimKey = '.', 1, "."
		case n > 1:
			delimKey = string(delims[:n])
		}
	default:
		return Undefined, errUseOPA
	}
	key := globKey{pattern: pattern, delimiters: delimKey}
	g, ok := m.globs[key]
	if !ok {
		var err error
		if g, err = glob.Compile(pattern, delims[:n]...); err != nil {
			return Undefined, err
		}
		if len(m.globs) >= globCacheSize {
			clear(m.globs)
		}
		m.globs[key] = g
	}
	return Bool(g.Match(subject)), nil
}
