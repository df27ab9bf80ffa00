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
// the rules split in halves, and so on down to each rule alone. A rule
// that cannot be planned (a feature the planner or the machine does not
// support) keeps OPA's evaluator; the reason is logged.
func (rt *Runtime) planRules(loaded *loadResult, caps *ast.Capabilities) {
	mods := make(map[string]*ast.Module, len(loaded.modules))
	for _, m := range loaded.modules {
		mods[m.file] = m.parsed
	}
	var group []plannedRule
	for _, r := range rt.rules {
		if p, ok := planNames(r); ok {
			group = append(group, plannedRule{r, p})
		}
	}
	rt.planGroup(mods, group, caps)
}

// plannedRule is a rule and the names of its plans.
type plannedRule struct {
	rule *rule
	plan *rulePlan
}

// planGroup compiles rules into one program, or, when that fails, each
// half of them on its own: a rule the machine cannot run costs a few
// programs, not one per rule.
func (rt *Runtime) planGroup(mods map[string]*ast.Module, group []plannedRule, caps *ast.Capabilities) {
	if len(group) == 0 {
		return
	}
	var entrypoints []string
	for _, g := range group {
		entrypoints = append(entrypoints, g.plan.entrypoints()...)
	}
	prog, err := compileProgram(mods, entrypoints, caps)
	if err == nil {
		for _, g := range group {
			g.plan.prog = prog
			g.rule.plan = g.plan
		}
		return
	}
	if len(group) == 1 {
		rt.logger.Debugw("pidfdsig: rego rule evaluated by OPA's evaluator", "rule", group[0].rule.meta.ID, "reason", err.Error())
		return
	}
	half := len(group) / 2
	rt.planGroup(mods, group[:half], caps)
	rt.planGroup(mods, group[half:], caps)
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
