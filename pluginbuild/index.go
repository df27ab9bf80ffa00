package pluginbuild

import (
	"context"
	"encoding/json"
	"fmt"
)

// goIndex is the moduleIndex of a real build: the go command reads the
// version lists and go.mod files (from the module cache, else the module
// proxy). Answers are remembered for the plan's lifetime.
type goIndex struct {
	r  *runner
	mf modfile
	// reqs and vers remember answers: "path@version" -> requirements,
	// path -> versions.
	reqs map[string]map[string]string
	vers map[string][]string
}

func newGoIndex(r *runner, mf modfile) *goIndex {
	return &goIndex{r: r, mf: mf, reqs: make(map[string]map[string]string), vers: make(map[string][]string)}
}

// versions runs `go list -m -versions` in the alternate go.mod, whose
// build list holds every module the .so links.
func (g *goIndex) versions(ctx context.Context, path string) ([]string, error) {
	if v, ok := g.vers[path]; ok {
		return v, nil
	}
	out, err := g.r.output(ctx, "list", "-mod=mod", "-modfile="+g.mf.path, "-m", "-versions", "-json", path)
	if err != nil {
		return nil, err
	}
	var m struct{ Versions []string }
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("go list -m -versions %s: %w", path, err)
	}
	g.vers[path] = m.Versions
	return m.Versions, nil
}

// requires finds the go.mod of path@version with `go list -m` in the
// project's own go.mod (the alternate one's replacements would answer for
// the replacement instead) and reads it with `go mod edit -json`.
func (g *goIndex) requires(ctx context.Context, path, version string) (map[string]string, error) {
	key := path + "@" + version
	if r, ok := g.reqs[key]; ok {
		return r, nil
	}
	out, err := g.r.output(ctx, "list", "-m", "-json", key)
	if err != nil {
		return nil, err
	}
	var m struct {
		GoMod string
		Error *struct{ Err string }
	}
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("go list -m %s: %w", key, err)
	}
	if m.Error != nil {
		return nil, fmt.Errorf("go list -m %s: %s", key, m.Error.Err)
	}
	if m.GoMod == "" {
		return nil, fmt.Errorf("go list -m %s: no go.mod reported", key)
	}
	out, err = g.r.output(ctx, "mod", "edit", "-json", m.GoMod)
	if err != nil {
		return nil, err
	}
	var f struct {
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal(out, &f); err != nil {
		return nil, fmt.Errorf("go mod edit -json %s: %w", m.GoMod, err)
	}
	reqs := make(map[string]string, len(f.Require))
	for _, r := range f.Require {
		reqs[r.Path] = r.Version
	}
	g.reqs[key] = reqs
	return reqs, nil
}

// directRequirements returns the modules the project's go.mod requires
// directly (not marked // indirect): the project's own choices, which the
// graph resolution keeps.
func directRequirements(ctx context.Context, r *runner) (map[string]bool, error) {
	out, err := r.output(ctx, "mod", "edit", "-json")
	if err != nil {
		return nil, err
	}
	var f struct {
		Require []struct {
			Path     string
			Indirect bool
		}
	}
	if err := json.Unmarshal(out, &f); err != nil {
		return nil, fmt.Errorf("go mod edit -json: %w", err)
	}
	keep := make(map[string]bool)
	for _, r := range f.Require {
		if !r.Indirect {
			keep[r.Path] = true
		}
	}
	return keep, nil
}
