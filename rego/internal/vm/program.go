package vm

import (
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/pidfdsig/pidfdsig/rego/internal/limits"
)

// ErrUnsupported reports a plan this package cannot run: the caller
// evaluates the rule another way.
var ErrUnsupported = errors.New("vm: unsupported plan")

// Program is a compiled policy plan, ready to run. It is immutable and
// shared by the Machines running it.
type Program struct {
	plans   map[string]*plan
	funcs   []*function
	files   []string
	maxDeep int // the deepest stack of frames a plan can need
	memos   int // functions whose result is memoized during an evaluation
	caps    *ast.Capabilities
}

type plan struct {
	name    string
	blocks  []block
	nlocals int
	deep    int
}

type function struct {
	name    string
	params  []int32
	ret     int32
	blocks  []block
	nlocals int
	deep    int // nlocals plus the deepest callee's
	memo    int // memo slot, -1 when not memoized
}

type block []instr

type opcode uint8

const (
	opNop opcode = iota
	opReturn
	opCall
	opCallBuiltin
	opBlock
	opBreak
	opDot
	opDotPath // a lookup into data, as OPA's evaluator reads a storage path (datapaths.go)
	opLen
	opScan
	opNot
	opAssign
	opAssignOnce
	opReset
	opMakeArray
	opMakeObject
	opMakeSet
	opEqual
	opNotEqual
	opIsArray
	opIsObject
	opIsSet
	opIsDefined
	opIsUndefined
	opArrayAppend
	opObjectInsert
	opObjectInsertOnce
	opObjectMerge
	opSetAdd
	opWith
	opResultSetAdd
)

// operand is a local or a constant.
type operand struct {
	local int32 // -1 for a constant
	value Value
}

// instr is one statement, with its operands resolved.
type instr struct {
	op       opcode
	a, b     operand
	target   int32
	key, val int32 // scan
	n        int   // break index, array capacity
	blocks   []block
	fn       *function
	bi       *builtin
	args     []operand
	path     []Value // with
	loc      ir.Location
}

// Options tunes Compile.
type Options struct {
	// Capabilities are those the policy was compiled with; the builtins
	// OPA implements are looked up by their names.
	Capabilities *ast.Capabilities
}

// Compile prepares policy to run. A statement or builtin it cannot run
// fails with an error wrapping ErrUnsupported.
func Compile(policy *ir.Policy, opts Options) (*Program, error) {
	c := &compiler{policy: policy, funcs: map[string]*function{}, opts: opts}
	return c.compile()
}

type compiler struct {
	policy  *ir.Policy
	funcs   map[string]*function
	defs    map[string]*ir.Func
	strings []Value
	opts    Options
	memos   int
	bis     map[string]*builtin
	data    dataPaths
}

func (c *compiler) compile() (*Program, error) {
	p := &Program{plans: map[string]*plan{}, caps: c.opts.Capabilities}
	if c.policy.Static != nil {
		for _, s := range c.policy.Static.Strings {
			c.strings = append(c.strings, String(s.Value))
		}
		for _, f := range c.policy.Static.Files {
			p.files = append(p.files, f.Value)
		}
	}
	c.defs = map[string]*ir.Func{}
	if c.policy.Funcs != nil {
		for _, f := range c.policy.Funcs.Funcs {
			c.defs[f.Name] = f
		}
	}
	c.bis = map[string]*builtin{}
	if c.policy.Plans == nil {
		return p, nil
	}
	for _, pl := range c.policy.Plans.Plans {
		cp := &plan{name: pl.Name}
		var err error
		maxLocal := int32(ir.Data)
		saved := c.data.begin()
		cp.blocks, err = c.blocks(pl.Blocks, &maxLocal)
		c.data.end(saved)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", pl.Name, err)
		}
		cp.nlocals = int(maxLocal) + 1
		cp.deep = cp.nlocals + deepestCall(cp.blocks)
		p.maxDeep = max(p.maxDeep, cp.deep)
		p.plans[pl.Name] = cp
	}
	if err := c.data.check(); err != nil {
		return nil, err
	}
	for _, f := range c.funcs {
		p.funcs = append(p.funcs, f)
	}
	p.memos = c.memos
	return p, nil
}

// function compiles the function called name, once.
func (c *compiler) function(name string) (*function, error) {
	if f, ok := c.funcs[name]; ok {
		if f.blocks == nil && f.deep < 0 {
			return nil, fmt.Errorf("%w: recursive function %s", ErrUnsupported, name)
		}
		return f, nil
	}
	def := c.defs[name]
	f := &function{name: name, ret: int32(def.Return), memo: -1, deep: -1}
	c.funcs[name] = f
	maxLocal := int32(def.Return)
	for _, p := range def.Params {
		f.params = append(f.params, int32(p))
		maxLocal = max(maxLocal, int32(p))
	}
	saved := c.data.begin()
	blocks, err := c.blocks(def.Blocks, &maxLocal)
	c.data.end(saved)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", name, err)
	}
	f.blocks = blocks
	f.nlocals = int(maxLocal) + 1
	f.deep = f.nlocals + deepestCall(blocks)
	if len(def.Params) == 2 {
		f.memo = c.memos
		c.memos++
	}
	return f, nil
}

// deepestCall returns the deepest stack a call in blocks needs.
func deepestCall(blocks []block) int {
	deep := 0
	for _, b := range blocks {
		for i := range b {
			in := &b[i]
			if in.fn != nil {
				deep = max(deep, in.fn.deep)
			}
			deep = max(deep, deepestCall(in.blocks))
		}
	}
	return deep
}

func (c *compiler) blocks(bs []*ir.Block, maxLocal *int32) ([]block, error) {
	out := make([]block, len(bs))
	for i, b := range bs {
		var err error
		if out[i], err = c.block(b, maxLocal); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *compiler) block(b *ir.Block, maxLocal *int32) (block, error) {
	out := make(block, 0, len(b.Stmts))
	for _, s := range b.Stmts {
		in, err := c.stmt(s, maxLocal)
		if err != nil {
			return nil, err
		}
		c.data.note(s, &in)
		if in.op != opNop {
			out = append(out, in)
		}
	}
	return foldLiterals(out), nil
}

// foldLiterals replaces the statements that build a composite literal
// from constants (a make statement followed by appends or inserts of
// constants, as the planner writes [1, "a"] or {"k": "v"}) by the
// assignment of one frozen constant, built once instead of at every
// evaluation. A literal nested in another folds first; its local then
// counts as a constant until it is written again.
func foldLiterals(b block) block {
	var known map[int32]Value
	constant := func(o operand) (Value, bool) {
		if o.local < 0 {
			return o.value, true
		}
		v, ok := known[o.local]
		return v, ok
	}
	out := b[:0]
	for i := 0; i < len(b); i++ {
		in := b[i]
		var lit Value
		switch in.op {
		case opMakeArray:
			lit = arrayValue(&Array{elems: make([]Value, 0, in.n)})
		case opMakeObject:
			lit = ObjectValue(NewObject(2))
		case opMakeSet:
			lit = SetValue(NewSet(2))
		}
		if lit.Defined() {
			j := i + 1
		absorb:
			for ; j < len(b) && b[j].target == in.target; j++ {
				next := &b[j]
				a, okA := constant(next.a)
				switch next.op {
				case opArrayAppend:
					if !okA || lit.kind != KindArray {
						break absorb
					}
					lit.Array().Append(a)
				case opSetAdd:
					if !okA || lit.kind != KindSet {
						break absorb
					}
					lit.Set().Add(a)
				case opObjectInsert:
					v, okB := constant(next.b)
					if !okA || !okB || lit.kind != KindObject {
						break absorb
					}
					lit.Object().Insert(a, v)
				default:
					break absorb
				}
			}
			if known == nil {
				known = map[int32]Value{}
			}
			known[in.target] = Freeze(lit)
			out = append(out, instr{op: opAssign, target: in.target, a: operand{local: -1, value: lit}, loc: in.loc})
			i = j - 1
			continue
		}
		if len(in.blocks) > 0 {
			clear(known) // a nested block may write any local
		}
		delete(known, in.target)
		if in.op == opScan {
			delete(known, in.key)
			delete(known, in.val)
		}
		out = append(out, in)
	}
	return out
}

func (c *compiler) stmt(s ir.Stmt, maxLocal *int32) (instr, error) {
	local := func(l ir.Local) int32 {
		*maxLocal = max(*maxLocal, int32(l))
		return int32(l)
	}
	opndString := func(i int) (operand, error) {
		if i < 0 || i >= len(c.strings) {
			return operand{}, fmt.Errorf("string constant %d out of range", i)
		}
		return operand{local: -1, value: c.strings[i]}, nil
	}
	opnd := func(o ir.Operand) (operand, error) {
		switch v := o.Value.(type) {
		case *ir.Local:
			return operand{local: local(*v)}, nil
		case *ir.Bool:
			return operand{local: -1, value: Bool(bool(*v))}, nil
		case *ir.StringIndex:
			return opndString(int(*v))
		case ir.Local:
			return operand{local: local(v)}, nil
		case ir.Bool:
			return operand{local: -1, value: Bool(bool(v))}, nil
		case ir.StringIndex:
			return opndString(int(v))
		}
		return operand{}, fmt.Errorf("%w: operand %T", ErrUnsupported, o.Value)
	}
	var in instr
	var err error
	two := func(a, b ir.Operand) {
		if in.a, err = opnd(a); err == nil {
			in.b, err = opnd(b)
		}
	}
	sub := func(bs ...*ir.Block) {
		in.blocks, err = c.blocks(bs, maxLocal)
	}
	switch s := s.(type) {
	case *ir.NopStmt:
		in.op = opNop
	case *ir.ReturnLocalStmt:
		in.op, in.a = opReturn, operand{local: local(s.Source)}
	case *ir.CallStmt:
		in.target = local(s.Result)
		in.args = make([]operand, len(s.Args))
		for i, a := range s.Args {
			if in.args[i], err = opnd(a); err != nil {
				return in, err
			}
		}
		if _, ok := c.defs[s.Func]; ok {
			in.op = opCall
			in.fn, err = c.function(s.Func)
		} else {
			in.op = opCallBuiltin
			in.bi, err = c.builtin(s.Func)
		}
	case *ir.BlockStmt:
		in.op = opBlock
		sub(s.Blocks...)
	case *ir.BreakStmt:
		in.op, in.n = opBreak, int(s.Index)
	case *ir.DotStmt:
		in.op, in.target = opDot, local(s.Target)
		two(s.Source, s.Key)
	case *ir.LenStmt:
		in.op, in.target = opLen, local(s.Target)
		in.a, err = opnd(s.Source)
	case *ir.ScanStmt:
		in.op = opScan
		in.a = operand{local: local(s.Source)}
		in.key, in.val = local(s.Key), local(s.Value)
		sub(s.Block)
	case *ir.NotStmt:
		in.op = opNot
		sub(s.Block)
	case *ir.AssignIntStmt:
		in.op, in.target, in.a = opAssign, local(s.Target), operand{local: -1, value: Int(s.Value)}
	case *ir.AssignVarStmt:
		in.op, in.target = opAssign, local(s.Target)
		in.a, err = opnd(s.Source)
	case *ir.AssignVarOnceStmt:
		in.op, in.target = opAssignOnce, local(s.Target)
		in.a, err = opnd(s.Source)
	case *ir.ResetLocalStmt:
		in.op, in.target = opReset, local(s.Target)
	case *ir.MakeNullStmt:
		in.op, in.target, in.a = opAssign, local(s.Target), operand{local: -1, value: Null()}
	case *ir.MakeNumberIntStmt:
		in.op, in.target, in.a = opAssign, local(s.Target), operand{local: -1, value: Int(s.Value)}
	case *ir.MakeNumberRefStmt:
		if s.Index >= len(c.strings) {
			return in, fmt.Errorf("number constant %d out of range", s.Index)
		}
		text, _ := c.strings[s.Index].StringValue()
		in.op, in.target, in.a = opAssign, local(s.Target), operand{local: -1, value: NumberText(text)}
	case *ir.MakeArrayStmt:
		in.op, in.target, in.n = opMakeArray, local(s.Target), int(s.Capacity)
	case *ir.MakeObjectStmt:
		in.op, in.target = opMakeObject, local(s.Target)
	case *ir.MakeSetStmt:
		in.op, in.target = opMakeSet, local(s.Target)
	case *ir.EqualStmt:
		in.op = opEqual
		two(s.A, s.B)
	case *ir.NotEqualStmt:
		in.op = opNotEqual
		two(s.A, s.B)
	case *ir.IsArrayStmt:
		in.op = opIsArray
		in.a, err = opnd(s.Source)
	case *ir.IsObjectStmt:
		in.op = opIsObject
		in.a, err = opnd(s.Source)
	case *ir.IsSetStmt:
		in.op = opIsSet
		in.a, err = opnd(s.Source)
	case *ir.IsDefinedStmt:
		in.op, in.a = opIsDefined, operand{local: local(s.Source)}
	case *ir.IsUndefinedStmt:
		in.op, in.a = opIsUndefined, operand{local: local(s.Source)}
	case *ir.ArrayAppendStmt:
		in.op, in.target = opArrayAppend, local(s.Array)
		in.a, err = opnd(s.Value)
	case *ir.ObjectInsertStmt:
		in.op, in.target = opObjectInsert, local(s.Object)
		two(s.Key, s.Value)
	case *ir.ObjectInsertOnceStmt:
		in.op, in.target = opObjectInsertOnce, local(s.Object)
		two(s.Key, s.Value)
	case *ir.ObjectMergeStmt:
		in.op, in.target = opObjectMerge, local(s.Target)
		in.a, in.b = operand{local: local(s.A)}, operand{local: local(s.B)}
	case *ir.SetAddStmt:
		in.op, in.target = opSetAdd, local(s.Set)
		in.a, err = opnd(s.Value)
	case *ir.WithStmt:
		in.op, in.target = opWith, local(s.Local)
		for _, idx := range s.Path {
			if idx < 0 || idx >= len(c.strings) {
				return in, fmt.Errorf("with path constant %d out of range", idx)
			}
			in.path = append(in.path, c.strings[idx])
		}
		if in.a, err = opnd(s.Value); err == nil {
			sub(s.Block)
		}
	case *ir.ResultSetAddStmt:
		in.op, in.a = opResultSetAdd, operand{local: local(s.Value)}
	default:
		return in, fmt.Errorf("%w: statement %T", ErrUnsupported, s)
	}
	if loc := s.GetLocation(); loc != nil {
		in.loc = *loc
	}
	return in, err
}

// builtin resolves a builtin function by name: ours when we have it, else
// OPA's own implementation.
func (c *compiler) builtin(name string) (*builtin, error) {
	if b, ok := c.bis[name]; ok {
		return b, nil
	}
	b := &builtin{name: name, native: natives[name]}
	decl := ast.BuiltinMap[name]
	if c.opts.Capabilities != nil {
		decl = nil
		for _, d := range c.opts.Capabilities.Builtins {
			if d.Name == name {
				decl = d
				break
			}
		}
	}
	if decl == nil {
		return nil, fmt.Errorf("%w: builtin %s is not available", ErrUnsupported, name)
	}
	b.noResult = decl.Decl.Result() == nil
	b.guarded = limits.Guarded(name) || nativeBuilds[name]
	b.relation = decl.Relation
	b.fallback = topdown.GetBuiltin(name)
	if b.fallback == nil {
		return nil, fmt.Errorf("%w: builtin %s has no implementation", ErrUnsupported, name)
	}
	c.bis[name] = b
	return b, nil
}
