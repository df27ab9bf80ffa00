package vm

import (
	"math"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/pidfdsig/pidfdsig/rego/internal/limits"
)

// meter bounds what one evaluation builds and lends the evaluation's
// clock to the builtins OPA implements.
type meter struct {
	budget int64 // bytes one evaluation may build (limits' count); 0: no bound
	used   int64 // bytes the running evaluation has built
	clock  builtinClock
}

// SetMemoryBudget bounds what one evaluation builds to about n bytes, as
// package limits counts them (every array, set and object member, every
// string a builtin makes, every value OPA's builtins return): an
// evaluation that would build more stops with a *limits.Error. A call of a
// builtin whose output can outgrow its arguments (numbers.range, sprintf,
// concat, strings.replace...) is checked before it starts. n <= 0 removes
// the bound.
func (m *Machine) SetMemoryBudget(n int64) { m.meter.budget = n }

// startMeter resets the count for a new evaluation.
func (m *Machine) startMeter() { m.meter.used = 0 }

// remaining is what the running evaluation may still build.
func (m *Machine) remaining() int64 {
	if m.meter.budget <= 0 {
		return math.MaxInt64
	}
	return m.meter.budget - m.meter.used
}

// charge counts n bytes built; false once the evaluation is over budget.
func (m *Machine) charge(n int64) bool {
	m.meter.used += n
	return m.meter.budget <= 0 || m.meter.used <= m.meter.budget
}

// overBudget aborts the evaluation: it built more than its budget.
func (m *Machine) overBudget() int {
	m.err = &limits.Error{Size: m.meter.used, Budget: m.meter.budget}
	return abort
}

// checkCall returns a *limits.Error, as a halt, when a call would build
// more than the evaluation has left. Only guarded builtins are checked.
func (m *Machine) checkCall(name string, args []*ast.Term) error {
	if m.meter.budget <= 0 {
		return nil
	}
	left := m.remaining()
	if n := limits.Estimate(name, args, left); n > left {
		return topdown.Halt{Err: &limits.Error{Builtin: name, Size: n, Budget: m.meter.budget}}
	}
	return nil
}

// chargeOutput counts what a builtin OPA implements returned.
func (m *Machine) chargeOutput(x ast.Value) error {
	if m.meter.budget <= 0 {
		return nil
	}
	if !m.charge(limits.Size(x, m.remaining()+1)) {
		return topdown.Halt{Err: &limits.Error{Size: m.meter.used, Budget: m.meter.budget}}
	}
	return nil
}

// checkNative is checkCall for the natives that build (concat, sprintf,
// set union, object.union), on their Values: a call is checked before it
// runs.
func (m *Machine) checkNative(name string, args []Value) error {
	if m.meter.budget <= 0 {
		return nil
	}
	var n int64
	switch name {
	case "concat":
		sep, _ := args[0].StringValue()
		n = stringsLen(args[1], int64(len(sep)))
	case "sprintf":
		format, _ := args[0].StringValue()
		n = int64(len(format)) + limits.SprintfWidth(format) + stringsLen(args[1], 20)
	case "or", "object.union":
		a, _ := args[0].Len()
		b, _ := args[1].Len()
		n = int64(a+b) * 2 * limits.ElemCost
	}
	if left := m.remaining(); n > left {
		return topdown.Halt{Err: &limits.Error{Builtin: name, Size: n, Budget: m.meter.budget}}
	}
	return nil
}

// chargeNative counts the value a native that builds returned: its own
// members, not the values they share with its arguments.
func (m *Machine) chargeNative(v Value) error {
	if m.meter.budget <= 0 {
		return nil
	}
	var n int64
	switch v.kind {
	case KindString:
		n = v.n
	case KindArray, KindSet:
		l, _ := v.Len()
		n = int64(l) * limits.ElemCost
	case KindObject:
		if !v.lazy {
			n = int64(v.Object().Len()) * 2 * limits.ElemCost
		}
	}
	if !m.charge(n) {
		return topdown.Halt{Err: &limits.Error{Size: m.meter.used, Budget: m.meter.budget}}
	}
	return nil
}

// stringsLen sums the lengths of the strings of an array or set, plus
// each element's extra bytes.
func stringsLen(coll Value, extra int64) int64 {
	var elems []Value
	switch coll.kind {
	case KindArray:
		elems = coll.Array().elems
	case KindSet:
		elems = coll.Set().elems
	}
	var n int64
	for i := range elems {
		n += extra
		if elems[i].kind == KindString {
			n += elems[i].n
		}
	}
	return n
}

// builtinClock is the topdown.Cancel the builtins OPA implements poll
// (numbers.range per number, concat and replace per write...): it trips
// when the machine is cancelled or its evaluation has run out of time, so
// that a single long call cannot outlast the evaluation's bound.
type builtinClock struct {
	m     *Machine
	polls uint32
}

// clockEvery is how many polls pass between two readings of the clock.
const clockEvery = 16

// Cancel implements topdown.Cancel; the machine is cancelled through
// SetCancel's Cancel, not this one.
func (c *builtinClock) Cancel() {}

// Cancelled implements topdown.Cancel.
func (c *builtinClock) Cancelled() bool {
	m := c.m
	if m.cancel != nil && m.cancel.Cancelled() {
		return true
	}
	if m.timeout <= 0 || m.begun.IsZero() {
		return false
	}
	c.polls++
	return c.polls%clockEvery == 0 && time.Since(m.begun) > m.timeout
}

// startClock starts the evaluation's clock, if the machine's ticks have
// not already, before a builtin OPA implements runs.
func (m *Machine) startClock(now time.Time) {
	if m.begun.IsZero() {
		m.begun = now
	}
}

// nativeBuilds are the natives that build a value (checkNative knows
// them); the other natives compare, look up or count.
var nativeBuilds = map[string]bool{"concat": true, "sprintf": true, "or": true, "object.union": true}
