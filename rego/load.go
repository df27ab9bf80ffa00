package rego

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// embedded holds the built-in rules and helper libraries with their tests;
// the loader skips the *_test.rego files.
//
//go:embed rules/*.rego lib/*.rego
var embedded embed.FS

// Embedded directories and the prefix that names their files in errors.
const (
	embeddedRulesDir = "rules"
	embeddedLibDir   = "lib"
	embeddedPrefix   = "rego/"
)

// compatHelpersPackage is old Tracee's helper package. We ship a compatible
// one, so old Tracee rules load unchanged; a user file may not define it
// (see protectedRoots).
const compatHelpersPackage = "data.tracee.helpers"

// module is one parsed Rego file.
type module struct {
	file    string // name in errors: a path, or "rego/rules/x.rego" for embedded files
	builtin bool   // embedded in this package
	library bool   // embedded helper library (lib/)
	parsed  *ast.Module
}

// loadResult is what the loader hands to the runtime.
type loadResult struct {
	modules  []*module
	compiler *ast.Compiler
	errs     []*LoadError
}

// load reads, parses and compiles the embedded files (rules only when
// withRules) and every user file under dirs. Problems with user files are
// returned in loadResult.errs and those files are left out; a problem with an
// embedded file is a returned error.
func load(withRules bool, dirs []string, caps *ast.Capabilities) (*loadResult, error) {
	res := &loadResult{}
	builtin, err := parseEmbedded(withRules, caps)
	if err != nil {
		return nil, err
	}
	var user []*module
	for _, dir := range dirs {
		mods, errs := parseDir(dir, caps)
		user = append(user, mods...)
		res.errs = append(res.errs, errs...)
	}
	user, errs := rejectProtected(user)
	res.errs = append(res.errs, errs...)
	user, errs = rejectReservedPackages(builtin, user)
	res.errs = append(res.errs, errs...)

	if _, cerrs := compile(builtin, caps); cerrs != nil {
		return nil, fmt.Errorf("rego: built-in rules do not compile: %w", cerrs)
	}
	res.compiler, res.modules, errs = compileUser(builtin, user, caps)
	res.errs = append(res.errs, errs...)
	return res, nil
}

// parseEmbedded parses the embedded libraries and, when withRules, rules.
func parseEmbedded(withRules bool, caps *ast.Capabilities) ([]*module, error) {
	dirs := []string{embeddedLibDir}
	if withRules {
		dirs = append(dirs, embeddedRulesDir)
	}
	var mods []*module
	for _, dir := range dirs {
		entries, err := embedded.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("rego: embedded %s: %w", dir, err)
		}
		for _, e := range entries {
			if !isRuleFile(e.Name()) {
				continue
			}
			name := path.Join(dir, e.Name())
			src, err := embedded.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("rego: embedded %s: %w", name, err)
			}
			parsed, err := ast.ParseModuleWithOpts(embeddedPrefix+name, string(src), parserOptions(ast.RegoV1, caps))
			if err != nil {
				return nil, fmt.Errorf("rego: built-in %w", err)
			}
			mods = append(mods, &module{file: embeddedPrefix + name, builtin: true, library: dir == embeddedLibDir, parsed: parsed})
		}
	}
	return mods, nil
}

// isRuleFile reports whether name is a Rego file to load (tests are not).
func isRuleFile(name string) bool {
	return strings.HasSuffix(name, ".rego") && !strings.HasSuffix(name, "_test.rego")
}

// parseDir parses every rule file under root (or root itself when it is a
// file), in lexical order.
func parseDir(root string, caps *ast.Capabilities) ([]*module, []*LoadError) {
	files, err := ruleFiles(root)
	if err != nil {
		return nil, []*LoadError{{File: root, Err: err}}
	}
	var mods []*module
	var errs []*LoadError
	for _, file := range files {
		m, ferrs := parseUserFile(file, caps)
		if m != nil {
			mods = append(mods, m)
		}
		errs = append(errs, ferrs...)
	}
	return mods, errs
}

// ruleFiles lists the rule files under root.
func ruleFiles(root string) ([]string, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		if strings.HasSuffix(root, "_test.rego") {
			return nil, nil // a test file, named directly: skipped as in directories
		}
		return []string{root}, nil
	}
	var files []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isRuleFile(d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// parseUserFile parses a user file as Rego v1, and failing that as the v0
// syntax of rules written for old Tracee. The errors reported are v1's.
func parseUserFile(file string, caps *ast.Capabilities) (*module, []*LoadError) {
	src, err := readRuleFile(file)
	if err != nil {
		return nil, []*LoadError{{File: file, Err: err}}
	}
	parsed, err := ast.ParseModuleWithOpts(file, string(src), parserOptions(ast.RegoV1, caps))
	if err != nil {
		v0, v0err := ast.ParseModuleWithOpts(file, string(src), parserOptions(ast.RegoV0, caps))
		if v0err != nil {
			return nil, astLoadErrors(file, err, ErrParse)
		}
		parsed = v0
	}
	return &module{file: file, parsed: parsed}, nil
}

func parserOptions(v ast.RegoVersion, caps *ast.Capabilities) ast.ParserOptions {
	return ast.ParserOptions{RegoVersion: v, ProcessAnnotation: true, Capabilities: caps}
}

// rejectReservedPackages leaves out user modules that would add rules to a
// built-in package: they would change a built-in rule's verdicts.
func rejectReservedPackages(builtin, user []*module) ([]*module, []*LoadError) {
	reserved := make(map[string]string, len(builtin))
	for _, m := range builtin {
		reserved[m.parsed.Package.Path.String()] = m.file
	}
	kept := user[:0:0]
	var errs []*LoadError
	for _, m := range user {
		pkg := m.parsed.Package.Path.String()
		if owner, ok := reserved[pkg]; ok {
			errs = append(errs, &LoadError{
				File: m.file, Line: m.parsed.Package.Location.Row,
				Err: fmt.Errorf("%w: package %s is defined by built-in file %s", ErrCompile, strings.TrimPrefix(pkg, "data."), owner),
			})
			continue
		}
		kept = append(kept, m)
	}
	return kept, errs
}

// compile compiles mods with the rule capabilities, type-checking them
// against the input schema.
func compile(mods []*module, caps *ast.Capabilities) (*ast.Compiler, ast.Errors) {
	byName := make(map[string]*ast.Module, len(mods))
	for _, m := range mods {
		byName[m.file] = m.parsed
	}
	schemas, err := inputSchemaSet()
	if err != nil {
		return nil, ast.Errors{ast.NewError(ast.CompileErr, nil, "%v", err)}
	}
	c := ast.NewCompiler().
		WithCapabilities(caps).
		WithSchemas(schemas).
		WithUseTypeCheckAnnotations(true).
		WithEnablePrintStatements(false).
		SetErrorLimit(0)
	c.Compile(byName)
	if c.Failed() {
		return nil, c.Errors
	}
	return c, nil
}

// compileUser compiles the built-in modules with the user modules, leaving
// out each user file the compiler blames until the rest compiles. When the
// compiler blames no user file (a user module broke a built-in one), the
// culprits are found by halving the user files (isolate), which costs a
// few compilations of the whole set per culprit rather than one per file.
func compileUser(builtin, user []*module, caps *ast.Capabilities) (*ast.Compiler, []*module, []*LoadError) {
	var errs []*LoadError
	for {
		all := append(append([]*module(nil), builtin...), user...)
		c, cerrs := compile(all, caps)
		if cerrs == nil {
			return c, all, errs
		}
		blamed := blame(cerrs, user)
		if len(blamed) == 0 {
			kept, bad := isolate(builtin, user, cerrs, caps)
			if len(bad) == 0 {
				// Every half compiles and the whole does not: files that
				// break only together. Add them one at a time.
				c, kept, more := compileOneByOne(builtin, user, caps)
				return c, kept, append(errs, more...)
			}
			errs = append(errs, bad...)
			user = kept
			continue
		}
		for _, e := range cerrs {
			if e.Location != nil && blamed[e.Location.File] {
				errs = append(errs, compileLoadError(e))
			}
		}
		user = without(user, blamed)
	}
}

// isolate splits user, which does not compile with builtin (cerrs), into
// halves until each part either compiles with builtin or is one file,
// which is then reported. It returns the files of the parts that compiled.
func isolate(builtin, user []*module, cerrs ast.Errors, caps *ast.Capabilities) (kept []*module, bad []*LoadError) {
	if len(user) == 1 {
		return nil, []*LoadError{conflictError(user[0], cerrs)}
	}
	for _, half := range [][]*module{user[:len(user)/2], user[len(user)/2:]} {
		_, herrs := compile(append(append([]*module(nil), builtin...), half...), caps)
		if herrs == nil {
			kept = append(kept, half...)
			continue
		}
		k, b := isolate(builtin, half, herrs, caps)
		kept, bad = append(kept, k...), append(bad, b...)
	}
	return kept, bad
}

// conflictError reports a user module that breaks the built-in modules.
func conflictError(m *module, cerrs ast.Errors) *LoadError {
	return &LoadError{
		File: m.file, Line: m.parsed.Package.Location.Row,
		Err: fmt.Errorf("%w: conflicts with the built-in rules: %v", ErrCompile, cerrs),
	}
}

// compileOneByOne adds user modules to the built-in ones one at a time,
// keeping those that still compile.
func compileOneByOne(builtin, user []*module, caps *ast.Capabilities) (*ast.Compiler, []*module, []*LoadError) {
	kept := append([]*module(nil), builtin...)
	var errs []*LoadError
	for _, m := range user {
		if _, cerrs := compile(append(kept, m), caps); cerrs != nil {
			errs = append(errs, conflictError(m, cerrs))
			continue
		}
		kept = append(kept, m)
	}
	c, _ := compile(kept, caps)
	return c, kept, errs
}

// blame returns the user files named by compile errors.
func blame(errs ast.Errors, user []*module) map[string]bool {
	files := make(map[string]bool, len(user))
	for _, m := range user {
		files[m.file] = false
	}
	blamed := make(map[string]bool)
	for _, e := range errs {
		if e.Location == nil {
			continue
		}
		if _, ok := files[e.Location.File]; ok {
			blamed[e.Location.File] = true
		}
	}
	return blamed
}

func without(mods []*module, drop map[string]bool) []*module {
	kept := mods[:0:0]
	for _, m := range mods {
		if !drop[m.file] {
			kept = append(kept, m)
		}
	}
	return kept
}

// compileLoadError turns one compiler error into a LoadError, naming a
// withheld builtin as such.
func compileLoadError(e *ast.Error) *LoadError {
	le := &LoadError{File: e.Location.File, Line: e.Location.Row}
	if name, ok := deniedCall(e); ok {
		le.Err = fmt.Errorf("%w: %s (rules may not reach the network, read the clock or a random source, or inspect the OPA runtime)", ErrBuiltinDenied, name)
		return le
	}
	le.Err = fmt.Errorf("%w: %s: %s", ErrCompile, e.Code, e.Message)
	return le
}

// astLoadErrors splits a parser error into one LoadError per position.
func astLoadErrors(file string, err error, kind error) []*LoadError {
	var aerrs ast.Errors
	if !errors.As(err, &aerrs) || len(aerrs) == 0 {
		return []*LoadError{{File: file, Err: fmt.Errorf("%w: %v", kind, err)}}
	}
	out := make([]*LoadError, 0, len(aerrs))
	for _, e := range aerrs {
		le := &LoadError{File: file, Err: fmt.Errorf("%w: %s", kind, e.Message)}
		if e.Location != nil {
			le.Line = e.Location.Row
		}
		out = append(out, le)
	}
	return out
}
