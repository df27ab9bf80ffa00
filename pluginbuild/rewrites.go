package pluginbuild

import (
	"fmt"
	"slices"
	"strings"
)

// Rewrite makes the file paths compiled into Packages, of Module, agree
// with tracee's: they are compiled with -trimpath=From=>To (and assembled
// so when Asm). From and To are the module's roots when the packages
// follow the module's layout, else one package's directories.
type Rewrite struct {
	Module   string
	Packages []string
	From     string
	To       string
	Asm      bool
	// Pattern, when set, is the package pattern matching exactly Packages
	// ("module/..."), so that one flag serves them all.
	Pattern string
}

// rewritesFor returns the path rewrites the shared packages need, and
// refusals for packages whose paths cannot be rewritten. unknown counts
// the shared packages whose recorded directory tracee does not show.
func rewritesFor(t *Target, pkgs []listedPackage) (rws []Rewrite, unknown int, errs []error) {
	_, deps := sharedModules(t, pkgs)
	byModule := make(map[string]*Rewrite)
	var order []string
	for _, p := range pkgs {
		if p.Module == nil || p.Module.Main {
			continue
		}
		dep, ok := deps[p.Module.Path]
		if !ok {
			continue
		}
		want, known := t.recordedDir(p.ImportPath, dep)
		if !known {
			unknown++
			continue
		}
		got := recordedDir(p, t.Trimpath)
		if got == want {
			continue
		}
		if len(p.CgoFiles) > 0 {
			errs = append(errs, refuse(ErrModule,
				fmt.Sprintf("cgo package %s would record %s, tracee recorded %s", p.ImportPath, got, want),
				"the paths of a cgo package cannot be rewritten: build the plugin where tracee was built"))
			continue
		}
		rw := packageRewrite(p, want)
		if m := byModule[p.Module.Path]; m == nil {
			byModule[p.Module.Path] = &rw
			order = append(order, p.Module.Path)
		} else if !m.merge(rw) {
			rws = append(rws, rw) // a package that does not follow its module's layout
		}
	}
	for _, m := range order {
		rw := byModule[m]
		if len(rw.Packages) > 1 && coversModule(rw, pkgs) {
			rw.Pattern = rw.Module + "/..."
		}
		rws = append(rws, *rw)
	}
	return rws, unknown, errs
}

// packageRewrite rewrites the module root when the package's directory and
// tracee's both end in the package's path within the module, else the
// package's own directory.
func packageRewrite(p listedPackage, want string) Rewrite {
	rw := Rewrite{Module: p.Module.Path, Packages: []string{p.ImportPath}, From: p.Dir, To: want, Asm: len(p.SFiles) > 0}
	sub := strings.TrimPrefix(p.ImportPath, p.Module.Path)
	from, ok1 := strings.CutSuffix(p.Dir, sub)
	to, ok2 := strings.CutSuffix(want, sub)
	if sub != "" && ok1 && ok2 {
		rw.From, rw.To = from, to
	}
	return rw
}

// merge adds a package's rewrite to its module's when they rewrite the
// same root.
func (rw *Rewrite) merge(p Rewrite) bool {
	if p.From != rw.From || p.To != rw.To {
		return false
	}
	rw.Packages = append(rw.Packages, p.Packages...)
	rw.Asm = rw.Asm || p.Asm
	return true
}

// coversModule reports whether "module/..." would match exactly the
// rewrite's packages among pkgs: every package of the module is in it, and
// no other module lies under the module's path.
func coversModule(rw *Rewrite, pkgs []listedPackage) bool {
	for _, p := range pkgs {
		if p.Module == nil || p.Module.Path != rw.Module && !strings.HasPrefix(p.Module.Path, rw.Module+"/") {
			continue
		}
		if p.Module.Path != rw.Module || !slices.Contains(rw.Packages, p.ImportPath) {
			return false
		}
	}
	return true
}

// recordedDir is the directory the go command records for a package's
// files: its absolute directory, or with -trimpath module@version/sub.
func recordedDir(p listedPackage, trimpath bool) string {
	if !trimpath {
		return p.Dir
	}
	if m := p.Module; m != nil && m.Version != "" {
		return m.Path + "@" + m.Version + strings.TrimPrefix(p.ImportPath, m.Path)
	}
	return p.ImportPath
}

// recordedDir is the directory tracee recorded for package pkg of module
// dep: read from its function table when the package has functions there,
// inferred from another package of the module, or computed from the
// -trimpath rule or the module cache.
func (t *Target) recordedDir(pkg string, dep Module) (string, bool) {
	if d, ok := t.PackageDirs[pkg]; ok {
		return d, true
	}
	sub := strings.TrimPrefix(pkg, dep.Path)
	if root, ok := t.moduleRoot(dep); ok {
		return root + sub, true
	}
	switch {
	case t.Trimpath && dep.Path == t.Main.Path:
		return pkg, true
	case t.Trimpath:
		return dep.Path + "@" + dep.Version + sub, true
	case t.ModCache != "" && !dep.IsDir():
		p, v := dep.Content()
		return t.ModCache + "/" + escapeModulePath(p) + "@" + escapeModulePath(v) + sub, true
	}
	return "", false
}

// moduleRoot infers the directory tracee recorded for module dep from any
// of its packages in the function table.
func (t *Target) moduleRoot(dep Module) (string, bool) {
	pkgs := make([]string, 0, 4)
	for pkg := range t.PackageDirs {
		if pkg == dep.Path || strings.HasPrefix(pkg, dep.Path+"/") {
			pkgs = append(pkgs, pkg)
		}
	}
	slices.Sort(pkgs) // deterministic
	for _, pkg := range pkgs {
		if m, ok := t.moduleOfPackage(pkg); ok && m.Path != dep.Path && pkg != dep.Path {
			continue // a nested module
		}
		if root, ok := strings.CutSuffix(t.PackageDirs[pkg], strings.TrimPrefix(pkg, dep.Path)); ok {
			return root, true
		}
	}
	return "", false
}

// rewriteFlags turns rewrites into per-package -gcflags and -asmflags. A
// per-package flag replaces, for that package, whatever pattern tracee's
// own flags gave: its "all=" flags are repeated so they still apply.
func rewriteFlags(t *Target, rws []Rewrite) ([]string, error) {
	if len(rws) == 0 {
		return nil, nil
	}
	gcAll, err := allPatternFlags(t.Gcflags)
	if err != nil {
		return nil, err
	}
	asmAll, err := allPatternFlags(t.Asmflags)
	if err != nil {
		return nil, err
	}
	var flags []string
	for _, rw := range rws {
		trim := "-trimpath=" + rw.From + "=>" + rw.To
		patterns := rw.Packages
		if rw.Pattern != "" {
			patterns = []string{rw.Pattern}
		}
		for _, pat := range patterns {
			flags = append(flags, "-gcflags="+pat+"="+strings.TrimSpace(gcAll+" "+trim))
			if rw.Asm {
				flags = append(flags, "-asmflags="+pat+"="+strings.TrimSpace(asmAll+" "+trim))
			}
		}
	}
	return flags, nil
}

// allPatternFlags returns the flags of an "all=flags" setting, "" for no
// setting or one without a pattern (it applies to the main package only).
func allPatternFlags(setting string) (string, error) {
	if setting == "" || strings.HasPrefix(setting, "-") {
		return "", nil
	}
	if flags, ok := strings.CutPrefix(setting, "all="); ok {
		return flags, nil
	}
	return "", refuse(ErrModule,
		fmt.Sprintf("tracee was built with per-package compiler flags %q", setting),
		"only flags for all packages (all=...) can be combined with path rewrites")
}
