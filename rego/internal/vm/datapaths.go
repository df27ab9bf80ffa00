package vm

import (
	"fmt"
	"strconv"

	"github.com/open-policy-agent/opa/v1/ir"
)

// OPA's evaluator reads a reference into base data as a storage path, of
// strings: data.x[2] finds the key "2" of an object, data.x["1"] the
// second element of an array, data.x[1.0] no element. A value taken out
// of data first (obj := data.x; obj[2]) is looked up by its type, as
// everywhere else. The machine does the same: a lookup whose source is
// reached from the data document by lookups only (the planner's chain of
// Dot statements for one reference) is a path lookup (opDotPath), any
// other a value lookup (opDot). OPA's own Wasm target does not make the
// difference (OPA's exceptions list).

// Under "with data.x as v", OPA's evaluator reads v by value and the rest
// of data by path, and a function called there reads it so too: the
// machine does not follow that, and refuses a program that replaces data
// with "with" and looks data up by a key whose two readings may differ (a
// number, a string that reads as an integer, or a key computed at
// evaluation).

// dataPaths finds, while a plan or function compiles, the locals holding
// a document reached from data by lookups only, and whether the program
// has both data replaced by with and path lookups whose readings may
// differ.
type dataPaths struct {
	direct    map[int32]bool
	withData  bool // a with statement replaces (part of) data
	ambiguous bool // a path lookup's key may read differently as a path
}

// begin starts a plan or function: its local ir.Data holds the data
// document (a function's second parameter). It returns the state of the
// enclosing one, for end.
func (d *dataPaths) begin() map[int32]bool {
	saved := d.direct
	d.direct = map[int32]bool{int32(ir.Data): true}
	return saved
}

// end restores the state begin saved.
func (d *dataPaths) end(saved map[int32]bool) { d.direct = saved }

// check refuses a program that both replaces data with "with" and looks
// data up by a key whose readings may differ.
func (d *dataPaths) check() error {
	if d.withData && d.ambiguous {
		return fmt.Errorf("%w: data replaced with \"with\" and looked up by a number or computed key", ErrUnsupported)
	}
	return nil
}

// note records what the compiled statement in writes, and makes a lookup
// into a document reached from data a path lookup.
func (d *dataPaths) note(s ir.Stmt, in *instr) {
	if w, ok := s.(*ir.WithStmt); ok && w.Local == ir.Data {
		d.withData = true
	}
	if dot, ok := s.(*ir.DotStmt); ok && in.op == opDot {
		if src, ok := localOf(dot.Source); ok && d.direct[src] {
			in.op = opDotPath
			d.direct[in.target] = true
			d.ambiguous = d.ambiguous || ambiguousKey(in.b)
			return
		}
	}
	// Any other write makes its target a value.
	delete(d.direct, in.target)
	if in.op == opScan {
		delete(d.direct, in.key)
		delete(d.direct, in.val)
	}
}

// ambiguousKey reports whether a lookup by key may find something else
// by path than by value: a key computed at evaluation, or a string that
// reads as an integer.
func ambiguousKey(key operand) bool {
	if key.local >= 0 {
		return true
	}
	s, ok := key.value.StringValue()
	if !ok {
		return true
	}
	_, err := strconv.Atoi(s)
	return err == nil
}

// localOf returns the local an operand names.
func localOf(o ir.Operand) (int32, bool) {
	switch v := o.Value.(type) {
	case ir.Local:
		return int32(v), true
	case *ir.Local:
		return int32(*v), true
	}
	return 0, false
}

// getPath looks key up in doc as OPA's evaluator reads a storage path:
// the key as its string (a number as its text), an array element by a
// string that reads as an integer.
func getPath(doc, key *Value) (Value, bool) {
	var text string
	switch key.kind {
	case KindString:
		if doc.kind == KindObject {
			return doc.get(key)
		}
		text = key.str()
	case KindNumber:
		text = string(key.number())
	default:
		return doc.get(key)
	}
	switch doc.kind {
	case KindObject:
		k := String(text)
		return doc.get(&k)
	case KindArray:
		elems := doc.Array().elems
		i, err := strconv.Atoi(text)
		if err != nil || i < 0 || i >= len(elems) {
			return Undefined, false
		}
		return elems[i], true
	}
	return doc.get(key)
}
