package rego

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/util"

	"github.com/pidfdsig/pidfdsig/rego/internal/vm"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// The names of Tracee's rule contract, and of our optional extension.
const (
	ruleMatch          = "tracee_match"
	ruleMetadoc        = "__rego_metadoc__"
	ruleSelectedEvents = "tracee_selected_events"
	// ruleProperties, when a rule defines it, replaces the metadata
	// properties of each finding (Severity, Technique...), as the Go
	// signatures grade each call.
	ruleProperties = "pidfdsig_properties"
	// ruleProbe, when a rule defines it, turns its matches into probes
	// counted per sender over a window (PFD-4); see probe.go.
	ruleProbe = "pidfdsig_probe"
)

// Runtime holds compiled Rego rules and exposes each as a detect.Signature.
// It is built once by New and is safe for concurrent use; its signatures
// share its compiled rules, its configuration data and its Resolver.
type Runtime struct {
	rules    []*rule
	sigs     []*Signature
	errs     []*LoadError
	resolver Resolver
	logger   detect.Logger
	timeout  time.Duration
	// budget bounds what one evaluation builds (bytes); maxStrikes
	// failed evaluations switch a rule off (< 0: never).
	budget     int64
	maxStrikes int
	// probeConfig tunes the windows of rules defining pidfdsig_probe.
	probeConfig signatures.SignalProbeConfig
	// cache shares one event's input between the rules.
	cache inputCache
	// reads are the input keys the rules can read; the input has no other.
	reads inputReads
	// data is the rules' data document, for the plan machine.
	data vm.Value
}

// New compiles the built-in rules, the helper libraries and every user rule
// found in the directories of WithRuleDirs and PIDFDSIG_REGO_DIR, and
// prepares each rule's queries. A user file that fails to parse, compile or
// meet the rule contract is left out and reported by LoadErrors (and to the
// WithLogger logger); the rest load. New fails only when the built-in rules
// themselves cannot be prepared or the configuration is invalid.
func New(opts ...Option) (*Runtime, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.useEnv {
		o = withEnvLimits(o, opts)
	}
	if err := o.config.Validate(); err != nil {
		return nil, err
	}
	if o.useEnv {
		switch v := os.Getenv(EnvEngine); v {
		case "", EnginePlan:
		case EngineTopdown:
			o.topdown = true
		default:
			o.logger.Warnw("pidfdsig: unknown rego engine, using the plan machine", "variable", EnvEngine, "value", v)
		}
	}
	caps := ruleCapabilities()
	loaded, err := load(o.builtin, o.ruleDirs(), caps)
	if err != nil {
		return nil, err
	}
	data, err := configData(&o)
	if err != nil {
		return nil, err
	}
	store := inmem.NewFromObjectWithOpts(data, inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true))
	dataValue, err := ast.InterfaceToValue(data)
	if err != nil {
		return nil, fmt.Errorf("rego: config: %w", err)
	}
	rt := &Runtime{
		errs:     loaded.errs,
		resolver: o.resolver,
		logger:   o.logger,
		timeout:  o.evalTimeout,

		budget:     o.memoryBudget,
		maxStrikes: o.maxStrikes,

		probeConfig: o.config.SignalProbe,
	}
	if rt.data, err = vm.FromAST(dataValue); err != nil {
		return nil, fmt.Errorf("rego: config: %w", err)
	}
	rt.data = vm.Freeze(rt.data) // shared by every signature's machine
	if rt.resolver == nil {
		rt.resolver = target.NewTracker()
	}
	eng, err := newEngine(loaded.compiler, store)
	if err != nil {
		return nil, fmt.Errorf("rego: config: %w", err)
	}
	eng.timeout, eng.budget = o.evalTimeout, o.memoryBudget
	// Before the rules are prepared, whose queries inline rule bodies,
	// and independent of planning, which reads the modules as parsed:
	// from here OPA's evaluator calls the guarded builtins through the
	// memory budget.
	eng.guards = guardBuiltins(loaded.compiler, o.memoryBudget)
	if err := rt.prepareRules(loaded, eng, caps, &o); err != nil {
		return nil, err
	}
	if !o.topdown {
		rt.planRules(loaded, caps)
	}
	pkgs := make([]ast.Ref, len(rt.rules))
	for i, r := range rt.rules {
		pkgs[i] = r.pkgRef
	}
	rt.reads = readInputs(loaded.compiler, pkgs)
	for _, e := range rt.errs {
		rt.logger.Warnw("pidfdsig: rego rule not loaded", "error", e.Error())
	}
	return rt, nil
}

// configData builds the data the rules see: data.pidfdsig.config.
func configData(o *options) (map[string]any, error) {
	b, err := json.Marshal(o.config)
	if err != nil {
		return nil, fmt.Errorf("rego: config: %w", err)
	}
	var cfg map[string]any
	if err := util.UnmarshalJSON(b, &cfg); err != nil {
		return nil, fmt.Errorf("rego: config: %w", err)
	}
	return map[string]any{"pidfdsig": map[string]any{"config": cfg}}, nil
}

// prepareRules finds every package defining tracee_match and prepares it.
func (rt *Runtime) prepareRules(loaded *loadResult, eng *engine, caps *ast.Capabilities, o *options) error {
	seen := make(map[string]*rule) // by package
	byID := make(map[string]*rule)
	for _, m := range loaded.modules {
		pkg := m.parsed.Package.Path
		if seen[pkg.String()] != nil || !definesRule(m.parsed, ruleMatch) {
			continue
		}
		ext := extensions{
			props: definesAnywhere(loaded.modules, pkg, ruleProperties),
			probe: definesAnywhere(loaded.modules, pkg, ruleProbe),
		}
		r, err := newRule(m, pkg, eng, caps, ext)
		if err != nil {
			if m.builtin {
				return err
			}
			rt.errs = append(rt.errs, asLoadError(m, err))
			continue
		}
		if !m.builtin && reservedID(r.meta.ID) {
			rt.errs = append(rt.errs, &LoadError{File: m.file, Line: ruleLine(m.parsed, ruleMetadoc),
				Err: fmt.Errorf("%w %s: the %s* ids belong to pidfdsig's built-in signatures", ErrReservedID, r.meta.ID, builtinIDPrefix)})
			continue
		}
		if dup := byID[r.meta.ID]; dup != nil {
			if m.builtin {
				return fmt.Errorf("rego: %s: %w %s", m.file, ErrDuplicateID, r.meta.ID)
			}
			rt.errs = append(rt.errs, &LoadError{File: m.file, Line: m.parsed.Package.Location.Row,
				Err: fmt.Errorf("%w %s: already declared by %s", ErrDuplicateID, r.meta.ID, dup.file)})
			continue
		}
		seen[pkg.String()] = r
		byID[r.meta.ID] = r
		if slices.Contains(o.config.Disabled, r.meta.ID) {
			continue
		}
		rt.rules = append(rt.rules, r)
	}
	sort.SliceStable(rt.rules, func(i, j int) bool { return rt.rules[i].builtin && !rt.rules[j].builtin })
	for _, r := range rt.rules {
		rt.sigs = append(rt.sigs, &Signature{rt: rt, rule: r})
	}
	return nil
}

// asLoadError places err at the package clause of m unless it already is a
// LoadError.
func asLoadError(m *module, err error) *LoadError {
	var le *LoadError
	if errors.As(err, &le) {
		return le
	}
	return &LoadError{File: m.file, Line: m.parsed.Package.Location.Row, Err: err}
}

// definesRule reports whether m defines a rule named name.
func definesRule(m *ast.Module, name string) bool {
	for _, r := range m.Rules {
		if r.Head.Name.String() == name || (len(r.Head.Reference) > 0 && r.Head.Reference[0].Value.Compare(ast.Var(name)) == 0) {
			return true
		}
	}
	return false
}

// definesAnywhere reports whether any module of package pkg defines name.
func definesAnywhere(mods []*module, pkg ast.Ref, name string) bool {
	for _, m := range mods {
		if m.parsed.Package.Path.Equal(pkg) && definesRule(m.parsed, name) {
			return true
		}
	}
	return false
}

// Signatures returns every loaded rule as a detect.Signature, built-in
// rules first (in file order), then user rules.
func (rt *Runtime) Signatures() []detect.Signature {
	out := make([]detect.Signature, len(rt.sigs))
	for i, s := range rt.sigs {
		out[i] = s
	}
	return out
}

// Rules returns the same signatures with their concrete type, for Stats.
func (rt *Runtime) Rules() []*Signature {
	return slices.Clone(rt.sigs)
}

// LoadErrors returns the problems met while loading user rules, each naming
// its file and line. The files concerned were left out.
func (rt *Runtime) LoadErrors() []*LoadError {
	return slices.Clone(rt.errs)
}
