package pluginbuild

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Conflict is one requirement that the pinned build list breaks: Module at
// Version requires Requires at Wants, but the build compiles Requires at
// Has (tracee's version, or a version it was downgraded to).
type Conflict struct {
	Module   string
	Version  string
	Requires string
	Wants    string
	Has      string
}

// String returns "module version requires path wants, the build has has".
func (c Conflict) String() string {
	return fmt.Sprintf("%s %s requires %s %s, the build has %s", c.Module, c.Version, c.Requires, c.Wants, c.Has)
}

// moduleVersion is a module at the version whose source is compiled.
type moduleVersion struct {
	Path    string
	Version string
}

// moduleIndex answers what the module graph is made of. The go command
// answers in a real build (goIndex); tests use fixed tables.
type moduleIndex interface {
	// versions lists the released versions of a module.
	versions(ctx context.Context, path string) ([]string, error)
	// requires returns the requirements of a module version's go.mod:
	// module path -> version.
	requires(ctx context.Context, path, version string) (map[string]string, error)
}

// graphInput is what the graph resolution starts from.
type graphInput struct {
	// linked are the modules whose packages the .so compiles, at the
	// version compiled.
	linked []moduleVersion
	// fixed are the versions nothing may move: tracee's, for the modules
	// the .so shares with it.
	fixed map[string]string
	// down are the downgrades already chosen (module -> version).
	down map[string]string
	// keep are modules never downgraded (the project's own requirements,
	// OPA among them): their excess requirements are reported, and the
	// compile decides.
	keep map[string]bool
}

// graphResult is a consistent graph: the downgrades that make it so, and
// the requirements of kept modules it still breaks.
type graphResult struct {
	// down is every downgrade, the input's included: module -> version.
	down map[string]string
	// why says, by downgraded module, which requirement forced it.
	why map[string]Conflict
	// kept are the broken requirements of kept modules.
	kept []Conflict
}

// resolveGraph downgrades the linked modules that require a pinned module
// (or a downgraded one) at a newer version than the build has, the way
// `go get module@older` downgrades the dependents of a module: each to its
// newest release, not newer than the one it was at, whose requirements the
// build satisfies. It repeats until no linked module breaks a pin, except
// the kept ones. A module with no such release makes the graph
// inconsistent: the error is a Refusal (ErrConflict) naming every one.
func resolveGraph(ctx context.Context, idx moduleIndex, in graphInput) (graphResult, error) {
	res := graphResult{down: maps.Clone(in.down), why: make(map[string]Conflict)}
	if res.down == nil {
		res.down = make(map[string]string)
	}
	current := func(m moduleVersion) string {
		if v, ok := res.down[m.Path]; ok {
			return v
		}
		return m.Version
	}
	has := func(path string) (string, bool) {
		if v, ok := in.fixed[path]; ok {
			return v, true
		}
		v, ok := res.down[path]
		return v, ok
	}
	for {
		var moved bool
		var refusals []string
		res.kept = res.kept[:0]
		for _, m := range in.linked {
			if _, ok := in.fixed[m.Path]; ok {
				continue // compiled as tracee compiled it: tracee's graph holds
			}
			v := current(m)
			broken, err := brokenRequirements(ctx, idx, m.Path, v, has)
			if err != nil {
				return graphResult{}, err
			}
			if len(broken) == 0 {
				continue
			}
			if in.keep[m.Path] {
				res.kept = append(res.kept, broken...)
				continue
			}
			older, err := newestConsistent(ctx, idx, m.Path, v, has)
			if err != nil {
				return graphResult{}, err
			}
			if older == "" {
				refusals = append(refusals, fmt.Sprintf("%s (no release up to %s satisfies it: %s)",
					m.Path, v, conflictList(broken)))
				continue
			}
			res.down[m.Path] = older
			res.why[m.Path] = broken[0]
			moved = true
		}
		if len(refusals) > 0 {
			return graphResult{}, refuse(ErrConflict,
				"no consistent module graph with tracee's versions: "+strings.Join(refusals, "; "),
				"build the Go-only variant (-go-only; make plugin GO_ONLY=1), which leaves OPA and its dependencies out")
		}
		if !moved {
			sortConflicts(res.kept)
			return res, nil
		}
	}
}

// brokenRequirements returns the requirements of path@version that ask for
// a newer version of a module than the build has.
func brokenRequirements(ctx context.Context, idx moduleIndex, path, version string,
	has func(string) (string, bool)) ([]Conflict, error) {
	reqs, err := idx.requires(ctx, path, version)
	if err != nil {
		return nil, fmt.Errorf("requirements of %s@%s: %w", path, version, err)
	}
	var out []Conflict
	for _, req := range slices.Sorted(maps.Keys(reqs)) {
		got, ok := has(req)
		if ok && compareSemver(reqs[req], got) > 0 {
			out = append(out, Conflict{Module: path, Version: version, Requires: req, Wants: reqs[req], Has: got})
		}
	}
	return out, nil
}

// newestConsistent returns the newest release of path older than version
// whose requirements the build satisfies, "" when there is none.
// Prereleases are passed over, as `go get` passes them over.
func newestConsistent(ctx context.Context, idx moduleIndex, path, version string,
	has func(string) (string, bool)) (string, error) {
	all, err := idx.versions(ctx, path)
	if err != nil {
		return "", fmt.Errorf("versions of %s: %w", path, err)
	}
	candidates := slices.Clone(all)
	slices.SortFunc(candidates, func(a, b string) int { return compareSemver(b, a) })
	for _, c := range candidates {
		if !isRelease(c) || compareSemver(c, version) >= 0 {
			continue
		}
		broken, err := brokenRequirements(ctx, idx, path, c, has)
		if err != nil {
			return "", err
		}
		if len(broken) == 0 {
			return c, nil
		}
	}
	return "", nil
}

func conflictList(cs []Conflict) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = fmt.Sprintf("%s@%s requires %s %s, the build has %s", c.Module, c.Version, c.Requires, c.Wants, c.Has)
	}
	return strings.Join(s, ", ")
}

func sortConflicts(cs []Conflict) {
	slices.SortFunc(cs, func(a, b Conflict) int {
		return strings.Compare(a.Module+" "+a.Requires, b.Module+" "+b.Requires)
	})
}

// linkedModules returns the modules of pkgs other than the main module, in
// first-use order.
func linkedModules(pkgs []listedPackage) []*listedModule {
	var out []*listedModule
	seen := make(map[string]bool)
	for _, p := range pkgs {
		m := p.Module
		if p.Standard || m == nil || m.Main || seen[m.Path] {
			continue
		}
		seen[m.Path] = true
		out = append(out, m)
	}
	return out
}

// graphInputFor states the graph resolution's problem for a pinned build
// list: the modules shared with tracee are fixed at tracee's versions (a
// module tracee compiled from a directory has no version to judge), the
// other linked modules are at the versions compiled, and the earlier
// downgrades (pins with a Reason) stand.
func graphInputFor(t *Target, pkgs []listedPackage, pins []Pin, keep map[string]bool) graphInput {
	in := graphInput{fixed: make(map[string]string), down: make(map[string]string), keep: keep}
	for _, pin := range pins {
		if pin.Reason != "" {
			in.down[pin.Path] = pin.ReplaceVersion
		}
	}
	for _, m := range linkedModules(pkgs) {
		if dep, ok := t.Dep(m.Path); ok {
			if !dep.IsDir() {
				in.fixed[m.Path] = dep.Version
			}
			continue
		}
		path, v := m.content()
		if v == "" || path != m.Path {
			continue // a directory or a fork: no version of this module to judge
		}
		in.linked = append(in.linked, moduleVersion{Path: m.Path, Version: v})
	}
	return in
}
