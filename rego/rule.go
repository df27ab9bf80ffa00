package rego

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/pidfdsig/pidfdsig/rego/internal/limits"
)

// rule is one compiled rule package with its prepared queries.
type rule struct {
	file     string
	pkg      string  // "tracee.PFD_1"
	pkgRef   ast.Ref // data.tracee.PFD_1
	builtin  bool
	meta     detect.SignatureMetadata
	selected []detect.SignatureEventSelector
	engine   *engine
	match    preparedQuery  // tracee_match
	ext      *preparedQuery // the extension rules, run on matches only; nil without them
	hasProps bool           // the package defines pidfdsig_properties
	hasProbe bool           // the package defines pidfdsig_probe
	plan     *rulePlan      // the rule's plans for the plan machine; nil: OPA's evaluator runs it
}

// preparedQuery is a compiled query and where its answer is bound.
type preparedQuery struct {
	body     ast.Body
	result   ast.Var       // the variable bound to tracee_match's value
	constant *ast.Term     // or, for an inlined rule with a constant value, that value
	findOne  bool          // the first solution decides (a constant value)
	location *ast.Location // the rule, for conflict errors
}

// Variables bound by the queries.
const (
	varMatch = ast.Var("__pidfdsig_match__")
	varProps = ast.Var("props")
	varProbe = ast.Var("probe")
)

// noMetrics is handed to every evaluation so that OPA does not allocate
// timers nobody reads.
var noMetrics = metrics.NoOp()

// newRule evaluates the metadata and event selection of the rule package
// pkg once, and prepares its match query.
func newRule(m *module, pkg ast.Ref, e *engine, caps *ast.Capabilities, ext extensions) (*rule, error) {
	r := &rule{file: m.file, pkg: strings.TrimPrefix(pkg.String(), "data."), pkgRef: pkg, builtin: m.builtin, engine: e, hasProps: ext.props, hasProbe: ext.probe}
	c := e.compiler
	metaVal, err := evalOnce(e, pkg.String()+"."+ruleMetadoc)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrRuleContract, ruleMetadoc, err)
	}
	if r.meta, err = decodeMetadata(metaVal); err != nil {
		return nil, err
	}
	selVal, err := evalOnce(e, pkg.String()+"."+ruleSelectedEvents)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrRuleContract, ruleSelectedEvents, err)
	}
	if r.selected, err = decodeSelectors(selVal); err != nil {
		return nil, err
	}

	if err := checkMatchType(c, pkg); err != nil {
		return nil, err
	}
	if r.match, err = matchQuery(c, pkg); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrRuleContract, ruleMatch, err)
	}
	if r.hasProps || r.hasProbe {
		q, err := compileQuery(c, extQuery(pkg.String(), r.hasProps, r.hasProbe))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrRuleContract, ruleMatch, err)
		}
		r.ext = &preparedQuery{body: q}
	}
	return r, nil
}

// extensions says which optional pidfdsig rules a package defines.
type extensions struct {
	props bool // pidfdsig_properties
	probe bool // pidfdsig_probe
}

// matchQuery prepares the per-event query of package pkg: the value of
// tracee_match, and nothing else.
//
// When tracee_match is a single complete rule (no default, no else, no
// other definition), as most rules are, the query is the rule's compiled
// body itself: evaluating it is evaluating the rule, without the cost of
// entering a rule, which in OPA is as much as the rest of a cheap rule's
// evaluation. run keeps the rule's semantics: one solution suffices for a
// constant value, and solutions that disagree are a conflict error.
func matchQuery(c *ast.Compiler, pkg ast.Ref) (preparedQuery, error) {
	ref := pkg.Append(ast.StringTerm(ruleMatch))
	rules := c.GetRulesExact(ref)
	if len(rules) == 1 {
		if q, ok := inlineRule(rules[0]); ok {
			return q, nil
		}
	}
	body, err := compileQuery(c, ast.Equality.Expr(ast.NewTerm(varMatch), ast.NewTerm(ref)).String())
	if err != nil {
		return preparedQuery{}, err
	}
	return preparedQuery{body: body, result: varMatch}, nil
}

// inlineRule turns a single complete rule into a query binding its value.
func inlineRule(r *ast.Rule) (preparedQuery, bool) {
	h := r.Head
	if r.Default || r.Else != nil || len(h.Args) > 0 || h.Value == nil || h.Key != nil ||
		len(h.Ref()) != 1 || h.DocKind() != ast.CompleteDoc || len(r.Body) == 0 {
		return preparedQuery{}, false
	}
	// The body's expressions themselves, not copies: OPA finds the indices
	// of their comprehensions by term identity.
	body := make(ast.Body, len(r.Body), len(r.Body)+1)
	copy(body, r.Body)
	q := preparedQuery{body: body, location: r.Location}
	switch v := h.Value.Value.(type) {
	case ast.Var:
		q.result = v
	default:
		if h.Value.IsGround() {
			q.constant, q.findOne = h.Value, true
			break
		}
		eq := ast.Equality.Expr(ast.NewTerm(varMatch), h.Value)
		eq.Index = len(body)
		q.body = append(body, eq)
		q.result = varMatch
	}
	return q, true
}

// extQuery reads the optional extension rules of package pkg, wrapped in
// comprehensions so that their absence never hides a match.
func extQuery(pkg string, props, probe bool) string {
	var parts []string
	if props {
		parts = append(parts, string(varProps)+" = [x | x := "+pkg+"."+ruleProperties+"]")
	}
	if probe {
		parts = append(parts, string(varProbe)+" = [x | x := "+pkg+"."+ruleProbe+"]")
	}
	return strings.Join(parts, "; ")
}

// compileQuery parses and compiles query against c.
func compileQuery(c *ast.Compiler, query string) (ast.Body, error) {
	body, err := ast.ParseBody(query)
	if err != nil {
		return nil, err
	}
	return c.QueryCompiler().Compile(body)
}

// evalOnce evaluates query with no input and returns its single value.
// It runs under the bounds of every evaluation (time, memory budget): a
// rule computing its metadata or selection without bound fails to load.
func evalOnce(e *engine, query string) (any, error) {
	body, err := compileQuery(e.compiler, string(varMatch)+" = "+query)
	if err != nil {
		return nil, err
	}
	d := newDeadline(e.timeout, e.budget)
	var out *ast.Term
	d.arm()
	err = topdown.NewQuery(body).
		WithCompiler(e.compiler).
		WithStore(e.store).
		WithTransaction(e.txn).
		WithCancel(d).
		WithBuiltins(e.guards).
		Iter(context.Background(), func(qr topdown.QueryResult) error {
			out = qr[varMatch]
			return errStop
		})
	timedOut, overBudget := d.disarm()
	switch {
	case overBudget:
		return nil, &limits.Error{Budget: e.budget}
	case timedOut:
		return nil, fmt.Errorf("%w: exceeded %s: %w", ErrTimeout, e.timeout, err)
	case err != nil && !errors.Is(err, errStop):
		return nil, err
	case out == nil:
		return nil, errors.New("undefined")
	}
	return ast.JSON(out.Value)
}

// decodeMetadata reads __rego_metadoc__ into Tracee's metadata type.
// Integral numbers in Properties become int, as in the Go signatures.
func decodeMetadata(v any) (detect.SignatureMetadata, error) {
	var meta detect.SignatureMetadata
	if err := decodeJSON(v, &meta); err != nil {
		return meta, fmt.Errorf("%w: %s: %w", ErrRuleContract, ruleMetadoc, err)
	}
	if meta.ID == "" || meta.EventName == "" {
		return meta, fmt.Errorf("%w: %s needs a non-empty id and eventName", ErrRuleContract, ruleMetadoc)
	}
	meta.Properties = goNumbers(meta.Properties).(map[string]any)
	return meta, nil
}

// decodeSelectors reads tracee_selected_events.
func decodeSelectors(v any) ([]detect.SignatureEventSelector, error) {
	var sel []detect.SignatureEventSelector
	if err := decodeJSON(v, &sel); err != nil {
		return nil, fmt.Errorf("%w: %s: want a set of {source, name, origin}: %w", ErrRuleContract, ruleSelectedEvents, err)
	}
	if len(sel) == 0 {
		return nil, fmt.Errorf("%w: %s is empty", ErrRuleContract, ruleSelectedEvents)
	}
	for i := range sel {
		if sel[i].Name == "" {
			return nil, fmt.Errorf("%w: %s: selector without a name", ErrRuleContract, ruleSelectedEvents)
		}
		if sel[i].Source == "" {
			sel[i].Source = "tracee"
		}
		if sel[i].Origin == "" {
			sel[i].Origin = anyOrigin
		}
	}
	return sel, nil
}

// decodeJSON converts an OPA result into out through JSON, keeping numbers
// as json.Number.
func decodeJSON(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(out)
}

// goNumbers replaces json.Number in v by int when integral, float64
// otherwise, so finding data and metadata hold the types Go code expects.
func goNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		if x == nil {
			return map[string]any{}
		}
		for k, e := range x {
			x[k] = goNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = goNumbers(e)
		}
		return x
	default:
		return v
	}
}

// verdict is what one evaluation of tracee_match said.
type verdict struct {
	fired bool
	data  map[string]any // nil for a bare true
	props map[string]any // nil unless the rule graded the finding
	probe map[string]any // nil unless the rule reported a probe
}

// anyOrigin is Tracee's wildcard origin.
const anyOrigin = "*"

// selects reports whether the rule subscribed to an event named name from
// source with origin.
func (r *rule) selects(source, name, origin string) bool {
	for i := range r.selected {
		s := &r.selected[i]
		if (s.Name == name || s.Name == "*") &&
			(s.Source == source || s.Source == "*") &&
			(s.Origin == origin || s.Origin == anyOrigin) {
			return true
		}
	}
	return false
}
