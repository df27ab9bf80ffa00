package rego

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	opa "github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// rule is one compiled rule package with its prepared match query.
type rule struct {
	file     string
	pkg      string // "tracee.PFD_1"
	builtin  bool
	meta     detect.SignatureMetadata
	selected []detect.SignatureEventSelector
	match    opa.PreparedEvalQuery
	hasProps bool // the package defines pidfdsig_properties
	hasProbe bool // the package defines pidfdsig_probe
}

// Variables bound by the match query.
const (
	varMatch = "match"
	varProps = "props"
	varProbe = "probe"
)

// noMetrics is handed to every evaluation so that OPA does not allocate
// timers nobody reads.
var noMetrics = metrics.NoOp()

// newRule evaluates the metadata and event selection of the rule package
// pkg once, and prepares its match query.
func newRule(m *module, pkg ast.Ref, c *ast.Compiler, store storage.Store, caps *ast.Capabilities, ext extensions) (*rule, error) {
	r := &rule{file: m.file, pkg: strings.TrimPrefix(pkg.String(), "data."), builtin: m.builtin, hasProps: ext.props, hasProbe: ext.probe}
	base := []func(*opa.Rego){opa.Compiler(c), opa.Store(store), opa.StoreReadAST(true), opa.Capabilities(caps)}
	ctx := context.Background()

	metaVal, err := evalOnce(ctx, base, pkg.String()+"."+ruleMetadoc)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrRuleContract, ruleMetadoc, err)
	}
	if r.meta, err = decodeMetadata(metaVal); err != nil {
		return nil, err
	}
	selVal, err := evalOnce(ctx, base, pkg.String()+"."+ruleSelectedEvents)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrRuleContract, ruleSelectedEvents, err)
	}
	if r.selected, err = decodeSelectors(selVal); err != nil {
		return nil, err
	}

	query := matchQuery(pkg.String(), r.hasProps, r.hasProbe)
	r.match, err = opa.New(append(base, opa.Query(query))...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrRuleContract, ruleMatch, err)
	}
	return r, nil
}

// extensions says which optional pidfdsig rules a package defines.
type extensions struct {
	props bool // pidfdsig_properties
	probe bool // pidfdsig_probe
}

// matchQuery is the per-event query of package pkg: tracee_match, and the
// optional extension rules wrapped in comprehensions so that their absence
// never hides a match.
func matchQuery(pkg string, props, probe bool) string {
	q := varMatch + " := " + pkg + "." + ruleMatch
	if props {
		q += "; " + varProps + " := [x | x := " + pkg + "." + ruleProperties + "]"
	}
	if probe {
		q += "; " + varProbe + " := [x | x := " + pkg + "." + ruleProbe + "]"
	}
	return q
}

// evalOnce evaluates query with no input and returns its single value.
func evalOnce(ctx context.Context, base []func(*opa.Rego), query string) (any, error) {
	rs, err := opa.New(append(base, opa.Query(query))...).Eval(ctx)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, fmt.Errorf("undefined")
	}
	return rs[0].Expressions[0].Value, nil
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

// eval runs the match query on input, bounded by cancel.
func (r *rule) eval(input ast.Value, cancel topdown.Cancel) (verdict, error) {
	rs, err := r.match.Eval(context.Background(),
		opa.EvalParsedInput(input),
		opa.EvalExternalCancel(cancel),
		opa.EvalMetrics(noMetrics),
	)
	if err != nil || len(rs) == 0 {
		return verdict{}, err
	}
	var v verdict
	switch m := rs[0].Bindings[varMatch].(type) {
	case bool:
		v.fired = m
	case map[string]any:
		v.fired, v.data = true, goNumbers(m).(map[string]any)
	}
	v.props = singleObject(rs[0].Bindings[varProps])
	v.probe = singleObject(rs[0].Bindings[varProbe])
	return v, nil
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

// singleObject returns the object of a one-element comprehension result.
func singleObject(b any) map[string]any {
	if xs, ok := b.([]any); ok && len(xs) == 1 {
		if m, ok := xs[0].(map[string]any); ok {
			return goNumbers(m).(map[string]any)
		}
	}
	return nil
}
