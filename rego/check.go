package rego

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/tester"
)

// ErrUnformatted marks a rule file that `opa fmt` would change.
var ErrUnformatted = errors.New("not formatted as opa fmt writes it")

// ErrTestFailed marks a failed or erroring test of a rule author's own.
var ErrTestFailed = errors.New("test failed")

// ErrUnplanned marks a rule the plan machine cannot run (it would run on
// OPA's evaluator, as `pidfdsig rules -require-plan` refuses).
var ErrUnplanned = errors.New("runs on OPA's evaluator: OPA could not plan it")

// CheckReport is what Check found in a directory of a rule author's own
// rules. Every problem is a *LoadError naming its file and line.
type CheckReport struct {
	Files       int          // .rego files checked, tests included
	Unformatted []*LoadError // files opa fmt would change
	Compile     []*LoadError // opa check --strict against the helpers and the input schema
	Load        []*LoadError // what the runtime refuses at load (rule contract, ids)
	Tests       int          // tests run
	Failed      []*LoadError // tests that failed or errored
	Rules       int          // rules loaded
	Unplanned   []*LoadError // rules the plan machine cannot run
}

// OK reports whether the check found no problem.
func (r *CheckReport) OK() bool { return len(r.Problems()) == 0 }

// Problems returns every problem found, in the order of the steps.
func (r *CheckReport) Problems() []*LoadError {
	var out []*LoadError
	for _, p := range [][]*LoadError{r.Unformatted, r.Compile, r.Load, r.Failed, r.Unplanned} {
		out = append(out, p...)
	}
	return out
}

// Check runs, over dir, what a rule author runs before shipping rules: the
// format check (opa fmt --list), a strict compilation with the helper
// library, the test fixtures and the input schema (opa check --strict
// --schema), the directory's own *_test.rego tests with the helper library
// and fixtures (opa test), and the runtime's load of the rules on the plan
// machine (pidfdsig rules -require-plan). The error is for a check that
// cannot run (no such directory, no Rego file in it); what the check finds
// is in the report.
func Check(ctx context.Context, dir string) (*CheckReport, error) {
	files, err := regoFiles(dir)
	if err != nil {
		return nil, fmt.Errorf("rego: check %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("rego: check %s: no .rego file", dir)
	}
	caps := ruleCapabilities()
	rep := &CheckReport{Files: len(files)}
	user := map[string]*ast.Module{}
	for _, file := range files {
		src, err := readRuleFile(file)
		if err != nil {
			return nil, fmt.Errorf("rego: check: %w", err)
		}
		m, version, err := parseChecked(file, src, caps)
		if err != nil {
			rep.Compile = append(rep.Compile, astLoadErrors(file, err, ErrParse)...)
			continue
		}
		user[file] = m
		if formatted, err := format.SourceWithOpts(file, src, format.Opts{RegoVersion: version}); err == nil && !bytes.Equal(formatted, src) {
			rep.Unformatted = append(rep.Unformatted, &LoadError{File: file, Err: ErrUnformatted})
		}
	}
	lib, err := libraryModules(caps)
	if err != nil {
		return nil, err
	}
	rep.Compile = append(rep.Compile, strictCompile(lib, user, caps)...)
	if len(rep.Compile) == 0 {
		if err := runTests(ctx, rep, lib, user); err != nil {
			return nil, err
		}
	}
	return rep, checkLoad(rep, dir)
}

// parseChecked parses a file as the loader does: Rego v1, and failing that
// the v0 syntax of rules written for old Tracee. The errors are v1's.
func parseChecked(file string, src []byte, caps *ast.Capabilities) (*ast.Module, ast.RegoVersion, error) {
	m, err := ast.ParseModuleWithOpts(file, string(src), parserOptions(ast.RegoV1, caps))
	if err == nil {
		return m, ast.RegoV1, nil
	}
	if v0, v0err := ast.ParseModuleWithOpts(file, string(src), parserOptions(ast.RegoV0, caps)); v0err == nil {
		return v0, ast.RegoV0, nil
	}
	return nil, ast.RegoV1, err
}

// regoFiles lists the .rego files under dir, tests included, in order.
func regoFiles(dir string) ([]string, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".rego") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// libraryModules parses the embedded helper library with its test
// fixtures (lib/fixtures_test.rego), by file name; the library's own tests
// are left out.
func libraryModules(caps *ast.Capabilities) (map[string]*ast.Module, error) {
	mods, err := parseEmbedded(false, caps)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*ast.Module, len(mods)+1)
	for _, m := range mods {
		out[m.file] = m.parsed
	}
	const fixtures = embeddedLibDir + "/fixtures_test.rego"
	src, err := embedded.ReadFile(fixtures)
	if err != nil {
		return nil, fmt.Errorf("rego: %s: %w", fixtures, err)
	}
	m, err := ast.ParseModuleWithOpts(embeddedPrefix+fixtures, string(src), parserOptions(ast.RegoV1, caps))
	if err != nil {
		return nil, fmt.Errorf("rego: %s: %w", fixtures, err)
	}
	out[embeddedPrefix+fixtures] = m
	return out, nil
}

// strictCompile compiles the user's files with the library as opa check
// --strict --schema does, returning the errors in the user's files.
func strictCompile(lib, user map[string]*ast.Module, caps *ast.Capabilities) []*LoadError {
	schemas, err := inputSchemaSet()
	if err != nil {
		return []*LoadError{{Err: err}}
	}
	all := make(map[string]*ast.Module, len(lib)+len(user))
	for name, m := range lib {
		all[name] = m
	}
	for name, m := range user {
		all[name] = m
	}
	c := ast.NewCompiler().
		WithCapabilities(caps).
		WithSchemas(schemas).
		WithUseTypeCheckAnnotations(true).
		WithStrict(true).
		SetErrorLimit(0)
	c.Compile(all)
	var out []*LoadError
	for _, e := range c.Errors {
		if e.Location == nil {
			out = append(out, &LoadError{Err: fmt.Errorf("%w: %s: %s", ErrCompile, e.Code, e.Message)})
			continue
		}
		out = append(out, compileLoadError(e))
	}
	return out
}

// runTests runs the user's tests with the library and fixtures, as opa
// test does (no input schema: tests build inputs of their own).
func runTests(ctx context.Context, rep *CheckReport, lib, user map[string]*ast.Module) error {
	all := make(map[string]*ast.Module, len(lib)+len(user))
	for name, m := range lib {
		all[name] = m
	}
	for name, m := range user {
		all[name] = m
	}
	ch, err := tester.NewRunner().SetModules(all).Run(ctx, all)
	if err != nil {
		return fmt.Errorf("rego: check: running tests: %w", err)
	}
	for res := range ch {
		if res.Location == nil {
			continue
		}
		if _, ok := user[res.Location.File]; !ok {
			continue // the library's fixtures hold no tests; nothing else is the user's
		}
		rep.Tests++
		if res.Pass() {
			continue
		}
		msg := "failed"
		switch {
		case res.Error != nil:
			msg = res.Error.Error()
		case res.Skip:
			msg = "skipped"
		}
		rep.Failed = append(rep.Failed, &LoadError{File: res.Location.File, Line: res.Location.Row,
			Err: fmt.Errorf("%w: %s.%s: %s", ErrTestFailed, res.Package, res.Name, msg)})
	}
	return nil
}

// checkLoad loads the rules as the runtime does, without the built-in
// rules, and reports what it refuses and the rules it cannot plan.
func checkLoad(rep *CheckReport, dir string) error {
	rt, err := New(WithRuleDirs(dir), WithoutEnvironment(), WithoutBuiltinRules())
	if err != nil {
		return fmt.Errorf("rego: check: %w", err)
	}
	for _, le := range rt.LoadErrors() {
		if !loadErrorIn(le, rep.Compile) {
			rep.Load = append(rep.Load, le)
		}
	}
	for _, s := range rt.Rules() {
		rep.Rules++
		if s.Engine() != EnginePlan {
			rep.Unplanned = append(rep.Unplanned, &LoadError{File: s.File(), Err: fmt.Errorf("%w: rule %s", ErrUnplanned, s.Package())})
		}
	}
	return nil
}

// loadErrorIn reports whether the compilation step already reported the
// problem at le's position.
func loadErrorIn(le *LoadError, errs []*LoadError) bool {
	for _, e := range errs {
		if e.File == le.File && e.Line == le.Line {
			return true
		}
	}
	return false
}
