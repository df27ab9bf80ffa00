package pluginbuild

import (
	"debug/elf"
	"debug/gosym"
	"errors"
	"fmt"
	"path"
	"strings"
)

// Linking tells how a binary is linked. Go's plugin loader calls dlopen, so
// only a dynamically linked tracee can load a plugin (Tracee itself skips
// every .so when it finds itself static).
type Linking struct {
	// ELF reports that the file is an ELF binary.
	ELF bool
	// Interpreter is the program interpreter (PT_INTERP), e.g.
	// "/lib64/ld-linux-x86-64.so.2"; "" for a static binary.
	Interpreter string
	// Needed lists the shared libraries the binary needs (DT_NEEDED).
	Needed []string
}

// Dynamic reports whether the binary is dynamically linked: it names a
// program interpreter or needs shared libraries.
func (l Linking) Dynamic() bool { return l.Interpreter != "" || len(l.Needed) > 0 }

func readLinking(file string) (Linking, error) {
	f, err := elf.Open(file)
	if err != nil {
		var ferr *elf.FormatError
		if errors.As(err, &ferr) {
			return Linking{}, nil
		}
		return Linking{}, fmt.Errorf("%s: %w", file, err)
	}
	defer f.Close()
	l := Linking{ELF: true}
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b := make([]byte, p.Filesz)
		if _, err := p.ReadAt(b, 0); err != nil {
			return Linking{}, fmt.Errorf("%s: reading PT_INTERP: %w", file, err)
		}
		l.Interpreter = strings.TrimRight(string(b), "\x00")
	}
	// A static binary has no dynamic section: the error only says so.
	l.Needed, _ = f.ImportedLibraries()
	return l, nil
}

// pluginLoaderFuncs are functions only a binary that can open plugins
// links: plugin.Open itself is usually inlined away.
var pluginLoaderFuncs = map[string]bool{"plugin.Open": true, "plugin.open": true, "plugin.lastmoduleinit": true}

// funcTable is what a binary's function table (pclntab) tells.
type funcTable struct {
	pluginLoader bool
	packageDirs  map[string]string
}

func readFuncTable(file string) (*funcTable, error) {
	f, err := elf.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sec := f.Section(".gopclntab")
	text := f.Section(".text")
	if sec == nil || text == nil {
		return nil, fmt.Errorf("%s: no .gopclntab section", file)
	}
	data, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("%s: reading .gopclntab: %w", file, err)
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil, fmt.Errorf("%s: decoding .gopclntab: %w", file, err)
	}
	ft := &funcTable{packageDirs: make(map[string]string)}
	votes := make(map[string]map[string]int)
	for i := range tab.Funcs {
		fn := &tab.Funcs[i]
		if pluginLoaderFuncs[fn.Name] {
			ft.pluginLoader = true
		}
		pkg := fn.PackageName()
		if pkg == "" {
			continue
		}
		src, _, _ := tab.PCToLine(fn.Entry)
		if !strings.HasSuffix(src, ".go") || strings.HasPrefix(path.Base(src), "_cgo_") {
			continue
		}
		if votes[pkg] == nil {
			votes[pkg] = make(map[string]int)
		}
		votes[pkg][path.Dir(src)]++
	}
	for pkg, dirs := range votes {
		best, n := "", 0
		for d, c := range dirs {
			if c > n || (c == n && d < best) {
				best, n = d, c
			}
		}
		ft.packageDirs[pkg] = best
	}
	return ft, nil
}

// modCacheFromDirs finds the module cache tracee was compiled from: the
// prefix before "module@version" in the directory of a package of a module
// that was not replaced by a directory. It returns "" for a -trimpath build
// (whose paths start with the module path) or when no package shows it.
func (t *Target) modCacheFromDirs() string {
	if t.Trimpath {
		return ""
	}
	votes := make(map[string]int)
	for pkg, dir := range t.PackageDirs {
		m, ok := t.moduleOfPackage(pkg)
		if !ok || m.IsDir() {
			continue
		}
		p, v := m.Content()
		want := "/" + escapeModulePath(p) + "@" + v + strings.TrimPrefix(pkg, m.Path)
		if prefix, found := strings.CutSuffix(dir, want); found {
			votes[prefix]++
		}
	}
	best, n := "", 0
	for p, c := range votes {
		if c > n || (c == n && p < best) {
			best, n = p, c
		}
	}
	return best
}

// moduleOfPackage returns the dependency that provides import path pkg:
// the one with the longest module path prefix.
func (t *Target) moduleOfPackage(pkg string) (Module, bool) {
	var best Module
	found := false
	for _, d := range t.Deps {
		if (pkg == d.Path || strings.HasPrefix(pkg, d.Path+"/")) && len(d.Path) > len(best.Path) {
			best, found = d, true
		}
	}
	return best, found
}

// escapeModulePath escapes a module path the way the module cache stores
// it: every upper-case letter becomes '!' and its lower-case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
