package rego

import (
	"context"
	"errors"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/pidfdsig/pidfdsig/rego/internal/vm"
)

// engine is what every evaluation of a runtime shares: the compiled rules,
// the configuration store and one read transaction on it. The store is
// written once, by New, and never again, so one long-lived read transaction
// serves every evaluation of every goroutine: an inmem read transaction is
// a plain pointer lookup, safe for concurrent readers.
type engine struct {
	compiler *ast.Compiler
	store    storage.Store
	txn      storage.Transaction
	// guards are the builtins that check calls against the memory
	// budget (guard.go), for OPA's evaluator.
	guards map[string]*topdown.Builtin
	// timeout and budget bound the evaluations done at load (evalOnce).
	timeout time.Duration
	budget  int64
}

// newEngine opens the shared read transaction on store.
func newEngine(c *ast.Compiler, store storage.Store) (*engine, error) {
	txn, err := store.NewTransaction(context.Background())
	if err != nil {
		return nil, err
	}
	return &engine{compiler: c, store: store, txn: txn}, nil
}

// evaluator runs one rule's prepared queries for one Signature. It keeps
// OPA's per-query state (the query, its caches of rule values and base
// documents) from one evaluation to the next, so an evaluation allocates
// only for what the rule computes. Not safe for concurrent use: the
// Signature's lock serializes its evaluations.
type evaluator struct {
	rule  *rule
	match *topdown.Query
	ext   *topdown.Query // nil unless the rule defines an extension
	vc    virtualCache
	bc    baseCache

	// The iteration callbacks, bound once, and what they found.
	onMatch, onExt func(topdown.QueryResult) error
	matched        *ast.Term
	extResult      topdown.QueryResult

	// The plan machine, for a planned rule, and the view of the event it
	// reads as input.
	machine *vm.Machine
	view    *inputView
}

func newEvaluator(r *rule, cancel topdown.Cancel, timeout time.Duration, budget int64) *evaluator {
	ev := &evaluator{rule: r}
	if r.plan != nil {
		ev.machine = r.plan.prog.NewMachine()
		ev.view = newInputView()
		ev.machine.SetTimeout(timeout)
		ev.machine.SetMemoryBudget(budget)
		return ev
	}
	ev.match = ev.query(r.match.body, cancel)
	if r.ext != nil {
		ev.ext = ev.query(r.ext.body, cancel)
	}
	ev.onMatch = ev.collectMatch
	ev.onExt = ev.collectExt
	return ev
}

func (ev *evaluator) query(body ast.Body, cancel topdown.Cancel) *topdown.Query {
	e := ev.rule.engine
	return topdown.NewQuery(body).
		WithCompiler(e.compiler).
		WithStore(e.store).
		WithTransaction(e.txn).
		WithCancel(cancel).
		WithMetrics(noMetrics).
		WithIndexing(true).
		WithEarlyExit(true).
		WithStrictBuiltinErrors(false).
		WithVirtualCache(&ev.vc).
		WithBaseCache(&ev.bc).
		WithBuiltins(e.guards)
}

// errStop ends a query's iteration once its answer is known.
var errStop = errors.New("stop")

// eval runs the rule on input: tracee_match, and only when it matched the
// optional extension rules, on the same input and with the same cache of
// rule values (the extensions usually reuse what the match computed).
func (ev *evaluator) eval(input *ast.Term) (verdict, error) {
	ev.vc.reset()
	ev.bc.reset()
	defer ev.vc.reset()
	defer ev.bc.reset()
	now := time.Now()
	res, err := ev.run(ev.match.WithInput(input).WithTime(now))
	if err != nil || res == nil {
		return verdict{}, err
	}
	var v verdict
	switch x := res.Value.(type) {
	case ast.Boolean:
		v.fired = bool(x)
	case ast.Object:
		data, err := ast.JSON(x)
		if err != nil {
			return verdict{}, err
		}
		if v.data, err = findingData(data); err != nil {
			return verdict{}, err
		}
		v.fired = true
	default:
		return verdict{}, matchTypeError(ast.ValueName(x))
	}
	if !v.fired || ev.ext == nil {
		return v, nil
	}
	qr, err := ev.first(ev.ext.WithInput(input).WithTime(now))
	if err != nil {
		return verdict{}, err
	}
	v.props = objectBinding(qr, varProps)
	v.probe = objectBinding(qr, varProbe)
	return v, nil
}

// evalPlan runs a planned rule on the event the view shows: tracee_match,
// and only when it matched the extension rules, reusing the rule values
// the match computed. For a rule that declares probes, admit decides from
// the probe whether the match is reported before its data are converted
// (most probes are counted, not reported).
func (ev *evaluator) evalPlan(data vm.Value, admit func(probe map[string]any) bool) (verdict, error) {
	m, p := ev.machine, ev.rule.plan
	defer m.Release()
	input := ev.view.value()
	res, err := m.Eval(p.match, input, data)
	if err != nil {
		return verdict{}, err
	}
	var v verdict
	switch res.Kind() {
	case vm.KindBool:
		v.fired = res.Truthy()
	case vm.KindObject:
		v.fired = true
	case vm.KindUndefined:
	default:
		return verdict{}, matchTypeError(ast.ValueName(res.AST()))
	}
	if !v.fired {
		return v, nil
	}
	if v.probe, err = ev.planObject(p.probe, input, data); err != nil {
		return verdict{}, err
	}
	if admit != nil && !admit(v.probe) {
		return verdict{}, nil
	}
	if res.Kind() == vm.KindObject {
		if v.data, err = findingData(res.Go()); err != nil {
			return verdict{}, err
		}
	}
	if v.props, err = ev.planObject(p.props, input, data); err != nil {
		return verdict{}, err
	}
	return v, nil
}

// planObject returns the value of an extension rule when it is an object.
func (ev *evaluator) planObject(name string, input, data vm.Value) (map[string]any, error) {
	if name == "" {
		return nil, nil
	}
	x, err := ev.machine.EvalAgain(name, input, data)
	if err != nil || x.Kind() != vm.KindObject {
		return nil, err
	}
	return x.Go().(map[string]any), nil
}

// objectBinding returns the object of the one-element array bound to
// name, as Go values.
func objectBinding(qr topdown.QueryResult, name ast.Var) map[string]any {
	t := qr[name]
	if t == nil {
		return nil
	}
	arr, ok := t.Value.(*ast.Array)
	if !ok || arr.Len() != 1 {
		return nil
	}
	obj, ok := arr.Elem(0).Value.(ast.Object)
	if !ok {
		return nil
	}
	x, err := ast.JSON(obj)
	if err != nil {
		return nil
	}
	m, _ := goNumbers(x).(map[string]any)
	return m
}

// first returns the first result of q, or nil.
func (ev *evaluator) first(q *topdown.Query) (topdown.QueryResult, error) {
	ev.extResult = nil
	err := q.Iter(context.Background(), ev.onExt)
	qr := ev.extResult
	ev.extResult = nil
	if errors.Is(err, errStop) {
		err = nil
	}
	return qr, err
}

func (ev *evaluator) collectExt(qr topdown.QueryResult) error {
	ev.extResult = qr
	return errStop
}

// run evaluates a match query and returns the value of tracee_match, nil
// when it is undefined. An inlined rule body is evaluated as the rule
// would be: a constant value needs one solution, any other must be the
// same in every solution.
func (ev *evaluator) run(q *topdown.Query) (*ast.Term, error) {
	ev.matched = nil
	err := q.Iter(context.Background(), ev.onMatch)
	out := ev.matched
	ev.matched = nil
	if errors.Is(err, errStop) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (ev *evaluator) collectMatch(qr topdown.QueryResult) error {
	p := &ev.rule.match
	t := p.constant
	if t == nil {
		t = qr[p.result]
	}
	if ev.matched == nil {
		ev.matched = t
		if p.findOne {
			return errStop
		}
		return nil
	}
	if ast.Compare(ev.matched, t) != 0 {
		return &topdown.Error{Code: topdown.ConflictErr, Location: p.location, Message: "complete rules must not produce multiple outputs"}
	}
	return nil
}

// virtualCache is topdown.VirtualCache for small evaluations: a stack of
// frames, each a list of refs and values searched from the end, reused
// from one evaluation to the next. OPA's own builds a trie of hash maps,
// two allocations per ref element, for every evaluation.
type virtualCache struct {
	frames [][]vcEntry
	depth  int
	terms  []*ast.Term // backing store of the entries' refs
}

type vcEntry struct {
	ref       ast.Ref
	value     *ast.Term
	undefined bool
}

func (c *virtualCache) reset() {
	for i := range c.frames {
		clear(c.frames[i])
		c.frames[i] = c.frames[i][:0]
	}
	c.depth = 0
	clear(c.terms)
	c.terms = c.terms[:0]
	if len(c.frames) == 0 {
		c.frames = append(c.frames, nil)
	}
}

// Push implements topdown.VirtualCache.
func (c *virtualCache) Push() {
	c.depth++
	if c.depth == len(c.frames) {
		c.frames = append(c.frames, nil)
	}
	c.frames[c.depth] = c.frames[c.depth][:0]
}

// Pop implements topdown.VirtualCache.
func (c *virtualCache) Pop() {
	clear(c.frames[c.depth])
	c.frames[c.depth] = c.frames[c.depth][:0]
	c.depth--
}

func (c *virtualCache) find(ref ast.Ref) *vcEntry {
	entries := c.frames[c.depth]
	for i := len(entries) - 1; i >= 0; i-- {
		if sameRef(entries[i].ref, ref) {
			return &entries[i]
		}
	}
	return nil
}

// sameRef compares refs element by element from the end, where they differ
// most often.
func sameRef(a, b ast.Ref) bool {
	if len(a) != len(b) {
		return false
	}
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] != b[i] && !ast.ValueEqual(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

// Get implements topdown.VirtualCache.
func (c *virtualCache) Get(ref ast.Ref) (*ast.Term, bool) {
	if e := c.find(ref); e != nil {
		if e.undefined {
			return nil, true
		}
		return e.value, false
	}
	return nil, false
}

// Put implements topdown.VirtualCache.
func (c *virtualCache) Put(ref ast.Ref, value *ast.Term) {
	e := c.find(ref)
	if e == nil {
		start := len(c.terms)
		c.terms = append(c.terms, ref...)
		c.frames[c.depth] = append(c.frames[c.depth], vcEntry{ref: ast.Ref(c.terms[start:len(c.terms):len(c.terms)])})
		e = &c.frames[c.depth][len(c.frames[c.depth])-1]
	}
	if value == nil {
		e.undefined = true
		return
	}
	e.value = value
}

// Keys implements topdown.VirtualCache.
func (c *virtualCache) Keys() []ast.Ref {
	var keys []ast.Ref
	for _, e := range c.frames[c.depth] {
		if e.value != nil {
			keys = append(keys, e.ref)
		}
	}
	return keys
}

// baseCache is topdown.BaseCache for the few base documents a rule reads
// (data.pidfdsig.config), reused from one evaluation to the next.
type baseCache struct {
	entries []bcEntry
}

type bcEntry struct {
	ref   ast.Ref
	value ast.Value
}

func (c *baseCache) reset() {
	clear(c.entries)
	c.entries = c.entries[:0]
}

// Get implements topdown.BaseCache: the value cached for ref or for the
// shortest prefix of it.
func (c *baseCache) Get(ref ast.Ref) ast.Value {
	var best *bcEntry
	for i := range c.entries {
		e := &c.entries[i]
		if len(e.ref) <= len(ref) && ref.HasPrefix(e.ref) && (best == nil || len(e.ref) < len(best.ref)) {
			best = e
		}
	}
	if best == nil {
		return nil
	}
	if len(best.ref) == len(ref) {
		return best.value
	}
	v, err := best.value.Find(ref[len(best.ref):])
	if err != nil {
		return nil
	}
	return v
}

// Put implements topdown.BaseCache: the value replaces what was cached
// under ref and below it.
func (c *baseCache) Put(ref ast.Ref, value ast.Value) {
	kept := c.entries[:0]
	for _, e := range c.entries {
		if !e.ref.HasPrefix(ref) {
			kept = append(kept, e)
		}
	}
	clear(c.entries[len(kept):])
	c.entries = append(kept, bcEntry{ref: ref.Copy(), value: value})
}

var (
	_ topdown.VirtualCache = (*virtualCache)(nil)
	_ topdown.BaseCache    = (*baseCache)(nil)
)
