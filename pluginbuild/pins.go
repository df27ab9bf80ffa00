package pluginbuild

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Pin makes the .so compile one module it shares with tracee from the
// source tracee compiled: the alternate go.mod requires Require and
// replaces the module with Replace (at ReplaceVersion, or a directory when
// ReplaceVersion is empty).
type Pin struct {
	Path string
	// From is what the project's build list had: "v1.2.3" or
	// "v1.2.3 => replacement".
	From           string
	Require        string
	Replace        string
	ReplaceVersion string
	// Reason is empty for a module the .so shares with tracee (pinned to
	// tracee's version). For a module tracee does not link, downgraded
	// because its version required a newer pinned module, it is that
	// requirement (a Conflict's String).
	Reason string
}

// String returns "path from -> to", and for a downgrade " (because ...)".
func (p Pin) String() string {
	to := p.Replace + " " + p.ReplaceVersion
	if p.Replace == p.Path {
		to = p.ReplaceVersion
	}
	s := fmt.Sprintf("%s %s -> %s", p.Path, p.From, strings.TrimSpace(to))
	if p.Reason != "" {
		s += " (downgraded with its dependency: " + p.Reason + ")"
	}
	return s
}

func (p Pin) editFlags() []string {
	replace := p.Replace
	if p.ReplaceVersion != "" {
		replace += "@" + p.ReplaceVersion
	}
	return []string{"-require=" + p.Path + "@" + p.Require, "-replace=" + p.Path + "=" + replace}
}

// sharedModules returns, by module path, the modules the packages use that
// tracee links too, in first-use order.
func sharedModules(t *Target, pkgs []listedPackage) ([]*listedModule, map[string]Module) {
	var mods []*listedModule
	deps := make(map[string]Module)
	for _, p := range pkgs {
		m := p.Module
		if p.Standard || m == nil || m.Main {
			continue
		}
		if _, seen := deps[m.Path]; seen {
			continue
		}
		if d, ok := t.Dep(m.Path); ok {
			deps[m.Path] = d
			mods = append(mods, m)
		}
	}
	return mods, deps
}

// pinsFor returns the pins still missing for the shared modules of pkgs,
// and refusals for the modules that cannot be pinned.
func pinsFor(t *Target, pkgs []listedPackage, traceeSrc string, have map[string]Pin) ([]Pin, []error) {
	var pins []Pin
	var errs []error
	mods, deps := sharedModules(t, pkgs)
	for _, m := range mods {
		if _, ok := have[m.Path]; ok {
			continue
		}
		dep := deps[m.Path]
		pin, err := pinFor(dep, m, traceeSrc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if pin != nil {
			pins = append(pins, *pin)
		}
	}
	return pins, errs
}

// pinFor returns the pin that makes m compile as tracee's dep, nil when it
// already does.
func pinFor(dep Module, m *listedModule, traceeSrc string) (*Pin, error) {
	if dep.IsDir() {
		dir, err := sourceDir(dep, traceeSrc)
		if err != nil {
			return nil, err
		}
		if got, v := m.content(); v == "" && got == dir && m.Version == dep.Version {
			return nil, nil
		}
		return &Pin{Path: m.Path, From: m.String(), Require: requireVersion(dep), Replace: dir}, nil
	}
	wantPath, wantVersion := dep.Content()
	gotPath, gotVersion := m.content()
	if gotPath == wantPath && gotVersion == wantVersion && m.Version == dep.Version {
		return nil, nil
	}
	return &Pin{Path: m.Path, From: m.String(), Require: dep.Version, Replace: wantPath, ReplaceVersion: wantVersion}, nil
}

// requireVersion is the version to require for a module replaced by a
// directory: tracee's, unless it is the main module's "(devel)".
func requireVersion(dep Module) string {
	if dep.Version == "" || dep.Version == develVersion {
		return "v0.0.0-00010101000000-000000000000"
	}
	return dep.Version
}

// sourceDir returns the directory, under traceeSrc, that holds what tracee
// compiled from a local directory.
func sourceDir(dep Module, traceeSrc string) (string, error) {
	rel := dep.Replace.Path
	if traceeSrc == "" {
		return "", refuse(ErrModule,
			fmt.Sprintf("tracee compiled %s from its source directory %s, which no version names", dep.Path, rel),
			"set TRACEE_SRC to the tracee source tree tracee was built from")
	}
	dir := rel
	if !filepath.IsAbs(rel) {
		dir = filepath.Join(traceeSrc, rel)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", refuse(ErrModule,
			fmt.Sprintf("tracee compiled %s from %s, but %s has no go.mod", dep.Path, rel, dir),
			"set TRACEE_SRC to the tracee source tree tracee was built from")
	}
	return dir, nil
}

// checkSums compares the go.sum hash of every shared module version with
// the hash tracee recorded for it.
func checkSums(t *Target, pkgs []listedPackage, sums map[string]string) []error {
	var errs []error
	_, deps := sharedModules(t, pkgs)
	paths := make([]string, 0, len(deps))
	for p := range deps {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, path := range paths {
		dep := deps[path]
		if dep.IsDir() {
			continue
		}
		p, v := dep.Content()
		want := dep.Sum
		if dep.Replace != nil {
			want = dep.Replace.Sum
		}
		got, ok := sums[p+" "+v]
		if want == "" || !ok || got == want {
			continue
		}
		errs = append(errs, refuse(ErrModule,
			fmt.Sprintf("%s %s: tracee was built from source with hash %s, go.sum here says %s", p, v, want, got),
			"the same version has other source here (a private proxy or a retagged module): point GOPROXY at the source tracee was built from"))
	}
	return errs
}
