package vm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/builtins"

	"github.com/pidfdsig/pidfdsig/rego/internal/limits"
)

// Control codes run returns besides break depths (0, 1, ...).
const (
	next  = -1 // the statements ran to their end
	ret   = -2 // a function returned
	abort = -3 // evaluation failed: Machine.err says why
)

// cancelEvery is how many loop turns and calls pass between two looks at
// the cancellation flag.
const cancelEvery = 64

// Machine runs a Program. It keeps its stack and caches from one
// evaluation to the next, so an evaluation that builds no composite value
// allocates nothing. Not safe for concurrent use: give each goroutine its
// own.
type Machine struct {
	p      *Program
	stack  []Value
	sp     int
	memo   []Value
	memoOK []uint32 // memo[i] is valid when memoOK[i] == gen
	memoed []int32  // the memo slots written since Release
	gen    uint32
	with   int // depth of with statements: no memoization inside
	args   [8]Value
	result Value
	found  bool
	retval Value
	err    error
	cancel topdown.Cancel
	ticks  int
	// timeout bounds an evaluation; begun is when its clock started.
	timeout time.Duration
	begun   time.Time

	bctx    topdown.BuiltinContext
	bcache  builtins.Cache
	globs   globCache
	start   time.Time
	argTerm []*ast.Term
	meter   meter // the memory budget and the builtins' clock (budget.go)
}

// NewMachine returns a Machine for p.
func (p *Program) NewMachine() *Machine {
	m := &Machine{
		p:      p,
		stack:  make([]Value, p.maxDeep),
		memo:   make([]Value, p.memos),
		memoOK: make([]uint32, p.memos),
	}
	m.bcache = builtins.Cache{}
	m.globs = globCache{}
	m.bctx = topdown.BuiltinContext{
		Context:      context.Background(),
		Metrics:      metrics.NoOp(),
		Cache:        m.bcache,
		Capabilities: p.caps,
		Seed:         rand.Reader, // as OPA's evaluator: rand.intn, uuid.rfc4122
	}
	m.meter.clock.m = m
	m.bctx.Cancel = &m.meter.clock
	return m
}

// SetTimeout bounds each evaluation to about d: an evaluation still
// running after d stops with an eval_cancel_error. The clock is read every
// 64 function calls and loop turns, from the 64th on: a short evaluation
// never reads it, and a long one is stopped within 64 steps of its time.
func (m *Machine) SetTimeout(d time.Duration) { m.timeout = d }

// SetCancel makes evaluations stop, with an eval_cancel_error, once c is
// cancelled.
func (m *Machine) SetCancel(c topdown.Cancel) {
	m.cancel = c
}

// Eval runs the plan called name on input and data and returns the value
// bound to its "result" variable: Undefined when the plan found none.
// Several results that differ are a conflict error.
func (m *Machine) Eval(name string, input, data Value) (out Value, err error) {
	defer m.recoverEval(&out, &err)
	pl := m.p.plans[name]
	if pl == nil {
		return Undefined, fmt.Errorf("vm: no plan %q", name)
	}
	m.forget()
	m.startMeter()
	return m.eval(pl, input, data)
}

// EvalAgain runs another plan on the same input and data as the last
// Eval, reusing the rule values that evaluation computed.
func (m *Machine) EvalAgain(name string, input, data Value) (out Value, err error) {
	defer m.recoverEval(&out, &err)
	pl := m.p.plans[name]
	if pl == nil {
		return Undefined, fmt.Errorf("vm: no plan %q", name)
	}
	return m.eval(pl, input, data)
}

func (m *Machine) eval(pl *plan, input, data Value) (Value, error) {
	m.result, m.found, m.err, m.with, m.sp = Undefined, false, nil, 0, 0
	m.ticks, m.begun = 0, time.Time{}
	m.start = time.Time{}
	m.bctx.Time = nil
	if len(m.bcache) > 0 {
		clear(m.bcache)
	}
	// The stack is clean: every frame is cleared when its call ends.
	frame := m.stack[:pl.nlocals]
	m.sp = pl.nlocals
	frame[0], frame[1] = input, data
	for _, b := range pl.blocks {
		if r := m.run(b, frame); r == abort {
			err := m.err
			m.err, m.result, m.retval, m.sp = nil, Undefined, Undefined, 0
			clear(frame)
			return Undefined, err
		}
	}
	out := m.result
	m.result, m.sp = Undefined, 0
	clear(frame)
	return out, nil
}

// Release drops every value the machine still holds from its last
// evaluations, so that an idle machine keeps no input alive. The next
// evaluation must be an Eval.
func (m *Machine) Release() {
	m.retval = Undefined
	m.forget()
}

// forget drops the memoized rule values.
func (m *Machine) forget() {
	for _, slot := range m.memoed {
		m.memo[slot] = Undefined
	}
	m.memoed = m.memoed[:0]
	m.gen++
	if m.gen == 0 { // wrapped: no memo may look valid
		clear(m.memoOK)
		m.gen = 1
	}
}

// fail records an error of the statement in, as OPA's evaluator reports
// it (a *topdown.Error with the statement's location), and aborts the
// evaluation.
func (m *Machine) fail(code, msg string, in *instr) int {
	loc := &ast.Location{Row: in.loc.Row, Col: in.loc.Col}
	if f := in.loc.File; f >= 0 && f < len(m.p.files) {
		loc.File = m.p.files[f]
	}
	m.err = &topdown.Error{Code: code, Message: msg, Location: loc}
	return abort
}

// read returns an operand's value.
func read(o *operand, frame []Value) Value {
	if o.local < 0 {
		return o.value
	}
	return frame[o.local]
}

// ref returns where an operand's value is, for reading without a copy.
func ref(o *operand, frame []Value) *Value {
	if o.local < 0 {
		return &o.value
	}
	return &frame[o.local]
}

// tick counts work and reports cancellation or a timeout.
func (m *Machine) tick() bool {
	m.ticks++
	if m.ticks%cancelEvery != 0 {
		return false
	}
	if m.cancel != nil && m.cancel.Cancelled() {
		return true
	}
	if m.timeout <= 0 {
		return false
	}
	now := time.Now()
	if m.begun.IsZero() {
		m.begun = now
		return false
	}
	return now.Sub(m.begun) > m.timeout
}

// run executes one block's statements on frame. It returns next when they
// all ran, a break depth (0 for the block itself) when one was undefined
// or broke out, ret when a function returned, abort on error.
func (m *Machine) run(b block, frame []Value) int {
	for i := range b {
		in := &b[i]
		switch in.op {
		case opDot:
			v, ok := ref(&in.a, frame).get(ref(&in.b, frame))
			if !ok {
				return 0
			}
			frame[in.target] = v
		case opDotPath:
			v, ok := getPath(ref(&in.a, frame), ref(&in.b, frame))
			if !ok {
				return 0
			}
			frame[in.target] = v
		case opCall:
			if r := m.call(in, frame); r != next {
				return r
			}
		case opCallBuiltin:
			if r := m.callBuiltin(in, frame); r != next {
				return r
			}
		case opAssign:
			frame[in.target] = read(&in.a, frame)
		case opAssignOnce:
			v := ref(&in.a, frame)
			if cur := &frame[in.target]; cur.Defined() {
				if !equal(cur, v) {
					return m.fail(topdown.ConflictErr, "complete rules must not produce multiple outputs", in)
				}
				continue
			}
			frame[in.target] = *v
		case opEqual:
			if !equal(ref(&in.a, frame), ref(&in.b, frame)) {
				return 0
			}
		case opNotEqual:
			if equal(ref(&in.a, frame), ref(&in.b, frame)) {
				return 0
			}
		case opIsDefined:
			if !frame[in.a.local].Defined() {
				return 0
			}
		case opIsUndefined:
			if frame[in.a.local].Defined() {
				return 0
			}
		case opReset:
			frame[in.target] = Undefined
		case opReturn:
			m.retval = frame[in.a.local]
			return ret
		case opBlock:
			for _, sub := range in.blocks {
				r := m.run(sub, frame)
				if r >= 1 {
					return r - 1
				}
				if r < next {
					return r
				}
			}
		case opBreak:
			return in.n
		case opNot:
			r := m.run(in.blocks[0], frame)
			switch {
			case r == next:
				return 0
			case r >= 1:
				return r - 1
			case r < next:
				return r
			}
		case opScan:
			if r := m.scan(in, frame); r != next {
				return r
			}
		case opLen:
			n, ok := read(&in.a, frame).Len()
			if !ok {
				return 0
			}
			frame[in.target] = Int(int64(n))
		case opMakeArray:
			if !m.charge(2 * limits.ElemCost) {
				return m.overBudget()
			}
			frame[in.target] = arrayValue(&Array{elems: make([]Value, 0, in.n)})
		case opMakeObject:
			if !m.charge(2 * limits.ElemCost) {
				return m.overBudget()
			}
			frame[in.target] = ObjectValue(NewObject(4))
		case opMakeSet:
			if !m.charge(2 * limits.ElemCost) {
				return m.overBudget()
			}
			frame[in.target] = SetValue(NewSet(4))
		case opIsArray:
			if read(&in.a, frame).kind != KindArray {
				return 0
			}
		case opIsObject:
			if read(&in.a, frame).kind != KindObject {
				return 0
			}
		case opIsSet:
			if read(&in.a, frame).kind != KindSet {
				return 0
			}
		case opArrayAppend:
			a := frame[in.target].Array()
			if a == nil {
				return m.fail(topdown.InternalErr, "append to a value that is not an array", in)
			}
			if a.frozen {
				a = a.thaw()
				frame[in.target] = arrayValue(a)
			}
			if !m.charge(limits.ElemCost) {
				return m.overBudget()
			}
			a.Append(read(&in.a, frame))
		case opObjectInsert, opObjectInsertOnce:
			o := frame[in.target].concrete()
			if o == nil {
				return m.fail(topdown.InternalErr, "insert into a value that is not an object", in)
			}
			if o.frozen {
				o = o.copy()
				frame[in.target] = ObjectValue(o)
			}
			k, v := read(&in.a, frame), read(&in.b, frame)
			if in.op == opObjectInsertOnce {
				if cur, ok := o.Get(k); ok {
					if !Equal(cur, v) {
						return m.fail(topdown.ConflictErr, "object keys must be unique", in)
					}
					continue
				}
			}
			if !m.charge(2 * limits.ElemCost) {
				return m.overBudget()
			}
			o.Insert(k, v)
		case opObjectMerge:
			v := merge(frame[in.a.local], frame[in.b.local])
			if n, _ := v.Len(); !m.charge(int64(n) * 2 * limits.ElemCost) {
				return m.overBudget()
			}
			frame[in.target] = v
		case opSetAdd:
			s := frame[in.target].Set()
			if s == nil {
				return m.fail(topdown.InternalErr, "add to a value that is not a set", in)
			}
			if s.frozen {
				s = s.thaw()
				frame[in.target] = SetValue(s)
			}
			if !m.charge(limits.ElemCost) {
				return m.overBudget()
			}
			s.Add(read(&in.a, frame))
		case opWith:
			if r := m.runWith(in, frame); r != next {
				return r
			}
		case opResultSetAdd:
			if r := m.addResult(frame[in.a.local], in); r != next {
				return r
			}
		}
	}
	return next
}

// scan runs a scan statement's block on each member of a collection, in
// Rego's order.
func (m *Machine) scan(in *instr, frame []Value) int {
	src := frame[in.a.local]
	body := in.blocks[0]
	each := func(k, v Value) (int, bool) {
		if m.tick() {
			return m.fail(topdown.CancelErr, "caller cancelled query execution", in), false
		}
		frame[in.key], frame[in.val] = k, v
		r := m.run(body, frame)
		switch {
		case r == next || r == 0:
			return next, true
		case r == 1:
			return next, false
		case r >= 2:
			return r - 2, false
		}
		return r, false
	}
	switch src.kind {
	case KindArray:
		elems := src.Array().elems
		for i := range elems {
			if r, more := each(Int(int64(i)), elems[i]); !more {
				return r
			}
		}
	case KindObject:
		o := src.Object()
		o.sort()
		for i := 0; i < len(o.keys); i++ {
			if r, more := each(o.keys[i], o.vals[i]); !more {
				return r
			}
		}
	case KindSet:
		s := src.Set()
		s.sort()
		for i := 0; i < len(s.elems); i++ {
			e := s.elems[i]
			if r, more := each(e, e); !more {
				return r
			}
		}
	}
	return next
}

// call runs a planned function.
func (m *Machine) call(in *instr, frame []Value) int {
	f := in.fn
	memo := f.memo >= 0 && m.with == 0
	if memo && m.memoOK[f.memo] == m.gen {
		v := m.memo[f.memo]
		if !v.Defined() {
			return 0
		}
		frame[in.target] = v
		return next
	}
	if m.tick() {
		return m.fail(topdown.CancelErr, "caller cancelled query execution", in)
	}
	base := m.sp
	callee := m.stack[base : base+f.nlocals] // clean: frames are cleared when their call ends
	for i, p := range f.params {
		callee[p] = read(&in.args[i], frame)
	}
	m.sp += f.nlocals
	var out Value
	returned := false
	for _, b := range f.blocks {
		r := m.run(b, callee)
		if r == abort {
			clear(callee)
			m.sp = base
			return abort
		}
		if r == ret {
			out, returned = m.retval, true
			m.retval = Undefined
			break
		}
		if r >= 1 {
			break
		}
	}
	if !returned {
		out = callee[f.ret]
	}
	clear(callee)
	m.sp = base
	if memo {
		m.memo[f.memo], m.memoOK[f.memo] = out, m.gen
		m.memoed = append(m.memoed, int32(f.memo))
	}
	if !out.Defined() {
		return 0
	}
	frame[in.target] = out
	return next
}

// runWith runs a with statement's block with a local (input or data)
// replaced, or a value upserted into it.
func (m *Machine) runWith(in *instr, frame []Value) int {
	saved := frame[in.target]
	v := read(&in.a, frame)
	if len(in.path) > 0 {
		v = upsert(saved, in.path, v)
	}
	frame[in.target] = v
	m.with++
	r := m.run(in.blocks[0], frame)
	m.with--
	frame[in.target] = saved
	switch {
	case r == next:
		return next
	case r == 0:
		return 0
	case r >= 1:
		return r - 1
	}
	return r
}

// upsert returns a copy of doc with value at path, creating the objects
// on the way.
func upsert(doc Value, path []Value, value Value) Value {
	if len(path) == 0 {
		return value
	}
	var o *Object
	if src := doc.Object(); src != nil {
		o = src.copy()
	} else {
		o = NewObject(1)
	}
	child, _ := o.Get(path[0])
	o.Insert(path[0], upsert(child, path[1:], value))
	return ObjectValue(o)
}

// merge merges a base document with the value the rules beside it give
// (the planner's ObjectMerge), as OPA's evaluator does: members of both
// that are objects merge recursively; on any other overlap the base
// document's value wins.
func merge(base, virtual Value) Value {
	if !base.Defined() {
		return virtual
	}
	x, y := base.Object(), virtual.Object()
	if x == nil || y == nil {
		return base
	}
	out := x.copy()
	for i, k := range y.keys {
		v := y.vals[i]
		if cur, ok := out.Get(k); ok {
			v = merge(cur, v)
		}
		out.Insert(k, v)
	}
	return ObjectValue(out)
}

// addResult records a plan's result: the "result" member of the object it
// adds to the result set.
func (m *Machine) addResult(v Value, in *instr) int {
	o := v.Object()
	if o == nil {
		return m.fail(topdown.InternalErr, "plan result is not an object", in)
	}
	res, ok := o.Get(String("result"))
	if !ok {
		return next
	}
	if m.found && !Equal(m.result, res) {
		return m.fail(topdown.ConflictErr, "complete rules must not produce multiple outputs", in)
	}
	m.result, m.found = res, true
	return next
}

// callBuiltin calls a builtin function, ours or OPA's.
func (m *Machine) callBuiltin(in *instr, frame []Value) int {
	n := len(in.args)
	var args []Value
	if n <= len(m.args) {
		args = m.args[:n]
	} else {
		args = make([]Value, n)
	}
	for i := range in.args {
		args[i] = read(&in.args[i], frame)
	}
	b := in.bi
	var out Value
	var err error
	if b.native != nil {
		if b.guarded {
			err = m.checkNative(b.name, args)
		}
		if err == nil {
			out, err = b.native(m, args)
		}
		if b.guarded && err == nil {
			err = m.chargeNative(out)
		}
	}
	if b.native == nil || err == errUseOPA { // natives return it as is
		out, err = m.callOPA(b, args, in)
	}
	clear(args)
	if err != nil {
		var halt topdown.Halt
		if errors.As(err, &halt) {
			m.err = halt.Err
			return abort
		}
		// As OPA without strict builtin errors: the call is undefined.
		return 0
	}
	if b.noResult {
		return next
	}
	if !out.Defined() {
		return 0
	}
	frame[in.target] = out
	return next
}

// callOPA calls OPA's implementation of a builtin.
func (m *Machine) callOPA(b *builtin, args []Value, in *instr) (Value, error) {
	terms := m.argTerm[:0]
	for _, a := range args {
		terms = append(terms, ast.NewTerm(a.AST()))
	}
	m.argTerm = terms
	if m.bctx.Time == nil {
		if m.start.IsZero() {
			m.start = time.Now()
		}
		m.bctx.Time = ast.NewTerm(ast.Number(strconv.FormatInt(m.start.UnixNano(), 10)))
	}
	m.startClock(m.start)
	if b.guarded {
		if err := m.checkCall(b.name, terms); err != nil {
			clear(m.argTerm)
			return Undefined, err
		}
	}
	m.bctx.Location = &ast.Location{Row: in.loc.Row, Col: in.loc.Col}
	out, err := callFallback(b, m.bctx, terms)
	clear(m.argTerm)
	if err != nil || out == nil {
		return Undefined, err
	}
	if err := m.chargeOutput(out.Value); err != nil {
		return Undefined, err
	}
	return FromAST(out.Value)
}
