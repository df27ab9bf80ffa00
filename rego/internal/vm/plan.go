package vm

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/compile"
	"github.com/open-policy-agent/opa/v1/ir"
)

// Plan asks OPA's planner for the plan of each entrypoint (a rule's path,
// "tracee/PFD_1/tracee_match") of modules, keyed by file name. The
// modules are compiled again, with caps, from their parsed form; they are
// not changed.
func Plan(ctx context.Context, modules map[string]*ast.Module, entrypoints []string, caps *ast.Capabilities) (*ir.Policy, error) {
	b := &bundle.Bundle{}
	b.SetRegoVersion(ast.RegoV1)
	for _, name := range slices.Sorted(maps.Keys(modules)) {
		b.Modules = append(b.Modules, bundle.ModuleFile{URL: name, Path: name, Parsed: modules[name]})
	}
	c := compile.New().
		WithTarget(compile.TargetPlan).
		WithEntrypoints(entrypoints...).
		WithBundle(b).
		WithCapabilities(caps).
		WithRegoVersion(ast.RegoV1).
		WithPruneUnused(true)
	if err := c.Build(ctx); err != nil {
		return nil, fmt.Errorf("vm: plan: %w", err)
	}
	out := c.Bundle()
	if out == nil || len(out.PlanModules) == 0 {
		return nil, fmt.Errorf("vm: plan: the planner returned no plan")
	}
	var p ir.Policy
	if err := json.Unmarshal(out.PlanModules[0].Raw, &p); err != nil {
		return nil, fmt.Errorf("vm: plan: %w", err)
	}
	return &p, nil
}
