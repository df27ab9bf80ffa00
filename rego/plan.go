package rego

import (
	"context"
	"errors"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/pidfdsig/pidfdsig/rego/internal/vm"
)

// rulePlan names the plans of one rule in the runtime's program.
type rulePlan struct {
	prog         *vm.Program
	match        string // tracee_match
	props, probe string // the extension rules; "" when the rule has none
}

// entrypoint returns the plan name of rule name in package pkg
// ("tracee/PFD_1/tracee_match"), or false when a path element is not a
// plain name.
func entrypoint(pkg ast.Ref, name string) (string, bool) {
	parts := make([]string, 0, len(pkg))
	for _, t := range pkg[1:] {
		s, ok := t.Value.(ast.String)
		if !ok || s == "" || strings.ContainsAny(string(s), "/\"") {
			return "", false
		}
		parts = append(parts, string(s))
	}
	return strings.Join(append(parts, name), "/"), true
}

// planRules compiles the rules for the plan machine: all of them in one
// program when OPA's planner and the machine take them together, else
// each rule alone. A rule that cannot be planned (a feature the planner
// or the machine does not support) keeps OPA's evaluator; the reason is
// logged.
func (rt *Runtime) planRules(loaded *loadResult, caps *ast.Capabilities) {
	mods := make(map[string]*ast.Module, len(loaded.modules))
	for _, m := range loaded.modules {
		mods[m.file] = m.parsed
	}
	plans := make([]*rulePlan, len(rt.rules))
	var all []string
	for i, r := range rt.rules {
		p, ok := planNames(r)
		if !ok {
			continue
		}
		plans[i] = p
		all = append(all, p.entrypoints()...)
	}
	if prog, err := compileProgram(mods, all, caps); err == nil {
		for i, r := range rt.rules {
			if plans[i] != nil {
				plans[i].prog = prog
				r.plan = plans[i]
			}
		}
		return
	}
	for i, r := range rt.rules {
		if plans[i] == nil {
			continue
		}
		prog, err := compileProgram(mods, plans[i].entrypoints(), caps)
		if err != nil {
			rt.logger.Debugw("pidfdsig: rego rule evaluated by OPA's evaluator", "rule", r.meta.ID, "reason", err.Error())
			continue
		}
		plans[i].prog = prog
		r.plan = plans[i]
	}
}

// planNames returns the plan names of r's rules.
func planNames(r *rule) (*rulePlan, bool) {
	p := &rulePlan{}
	var ok bool
	if p.match, ok = entrypoint(r.pkgRef, ruleMatch); !ok {
		return nil, false
	}
	if r.hasProps {
		p.props, _ = entrypoint(r.pkgRef, ruleProperties)
	}
	if r.hasProbe {
		p.probe, _ = entrypoint(r.pkgRef, ruleProbe)
	}
	return p, true
}

func (p *rulePlan) entrypoints() []string {
	out := []string{p.match}
	for _, e := range []string{p.props, p.probe} {
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}

// compileProgram plans entrypoints and compiles the plans.
func compileProgram(mods map[string]*ast.Module, entrypoints []string, caps *ast.Capabilities) (*vm.Program, error) {
	if len(entrypoints) == 0 {
		return nil, errors.New("no entrypoint")
	}
	pol, err := vm.Plan(context.Background(), mods, entrypoints, caps)
	if err != nil {
		return nil, err
	}
	return vm.Compile(pol, vm.Options{Capabilities: caps})
}
