package pluginbuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// GoOnlyTag is the build tag of the Go-only variant: the plugin is built
// without OPA, so without the Rego rules.
const GoOnlyTag = "pidfdsig_noopa"

// maxPinRounds bounds the pinning loop: a pin can bring in a go.mod that
// moves another shared module, which then needs a pin of its own, and a
// downgrade can bring in modules whose requirements need checking.
const maxPinRounds = 16

// Options say what to build for which tracee.
type Options struct {
	// TraceeBin is the tracee binary the plugin is for (a name without a
	// slash is looked up in PATH). Required.
	TraceeBin string
	// TraceeSrc is the tracee source tree tracee was built from. It is
	// needed only when tracee compiled a shared module, typically
	// github.com/aquasecurity/tracee/types, from a local directory.
	TraceeSrc string
	// Output is the .so to write; "pidfdsig.so" when empty. A relative
	// path is relative to the current directory.
	Output string
	// GoOnly builds the variant without OPA (tag pidfdsig_noopa).
	GoOnly bool
	// Dir is a directory inside the pidfdsig module; the current directory
	// when empty.
	Dir string
	// Package is the plugin's main package, relative to the module root;
	// "./plugin" when empty.
	Package string
	// WorkDir receives the alternate go.mod (plugin.mod and plugin.sum);
	// a temporary directory, removed by Close, when empty.
	WorkDir string
	// Go is the go command; "go" when empty.
	Go string
	// Env is the environment to start from; os.Environ() when nil.
	Env []string
}

// Plan is a build that produces a .so the target tracee can load. NewPlan
// makes it, WriteTo prints it, Build runs it.
type Plan struct {
	Target    *Target
	Toolchain Toolchain
	// Variant is "full" (Go signatures and Rego rules) or "go-only".
	Variant string
	// Env lists the variables the build sets, as KEY=VALUE.
	Env []string
	// Args are the arguments of the go command: "build", flags, package.
	Args []string
	// Pins are the module versions the alternate go.mod forces: tracee's
	// versions of the modules the .so shares with it, and the downgrades
	// of the modules that depend on those (Pin.Reason set).
	Pins []Pin
	// Conflicts are the requirements of the project's own dependencies
	// (OPA) that the pins break: those modules are kept at their versions
	// and compiled against tracee's older ones. Empty when the module
	// graph is fully consistent.
	Conflicts []Conflict
	// Rewrites are the packages compiled with rewritten file paths.
	Rewrites []Rewrite
	// Modfile is the alternate go.mod the build reads.
	Modfile string
	// Output is the absolute path of the .so.
	Output string
	// Root is the module root the build runs in.
	Root string
	// Warnings are facts worth knowing that do not stop the build.
	Warnings []string

	goCmd   string
	baseEnv []string
	tempDir string
}

// NewPlan reads the tracee binary, checks it against the local toolchain
// and works out the build: environment, flags, pins and rewrites. It runs
// `go env`, `go mod edit` and `go list` (which may download modules) but
// builds nothing. A plan that cannot produce a loadable .so is refused:
// the error joins one *Refusal per reason. Call Close when done.
func NewPlan(ctx context.Context, opts Options) (*Plan, error) {
	p, err := newPlan(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := p.resolve(ctx, opts); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func newPlan(ctx context.Context, opts Options) (*Plan, error) {
	p := &Plan{goCmd: opts.Go, baseEnv: opts.Env, Variant: "full"}
	if p.goCmd == "" {
		p.goCmd = "go"
	}
	if p.baseEnv == nil {
		p.baseEnv = os.Environ()
	}
	if opts.GoOnly {
		p.Variant = "go-only"
	}
	var err error
	if p.Output, err = filepath.Abs(defaultString(opts.Output, "pidfdsig.so")); err != nil {
		return nil, err
	}
	if p.Toolchain, err = LocalToolchain(ctx, p.goCmd, opts.Dir, p.baseEnv); err != nil {
		return nil, err
	}
	if gomod := p.Toolchain.GOMOD; gomod == "" || gomod == os.DevNull {
		return nil, errors.New("not inside a Go module: run in the pidfdsig module or set Options.Dir")
	}
	p.Root = filepath.Dir(p.Toolchain.GOMOD)
	bin, err := lookTracee(opts.TraceeBin)
	if err != nil {
		return nil, err
	}
	if p.Target, err = ReadTarget(bin); err != nil {
		return nil, err
	}
	p.switchToolchain(ctx, opts.Dir)
	if err := Check(p.Target, p.Toolchain); err != nil {
		return nil, err
	}
	p.Env = buildEnv(p.Target)
	return p, nil
}

// switchToolchain makes the plan use tracee's Go release when the local
// toolchain is another one and the environment does not forbid fetching
// it (mayFetchToolchain), as the go command itself does for a go.mod's
// toolchain line. When the fetch fails, the local toolchain stays and
// Check refuses it.
func (p *Plan) switchToolchain(ctx context.Context, dir string) {
	want := p.Target.GoVersion
	if checkToolchain(p.Target, p.Toolchain) == nil || !mayFetchToolchain(p.baseEnv) || !goRelease(want) {
		return
	}
	env := append(slices.Clone(p.baseEnv), "GOTOOLCHAIN="+want)
	tc, err := LocalToolchain(ctx, p.goCmd, dir, env)
	if err != nil || checkToolchain(p.Target, tc) != nil {
		return
	}
	p.Toolchain = tc
	p.Warnings = append(p.Warnings, fmt.Sprintf("the local toolchain is not tracee's: building with GOTOOLCHAIN=%s", want))
}

// goRelease reports whether v names a Go release the go command can
// fetch: "go1.24.9", not "devel ..." nor a gccgo version.
func goRelease(v string) bool {
	rest, ok := strings.CutPrefix(v, "go1.")
	return ok && rest != "" && !strings.ContainsAny(rest, " +")
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func lookTracee(bin string) (string, error) {
	if bin == "" {
		return "", errors.New("no tracee binary: set TRACEE_BIN (or -tracee) to the tracee the plugin is for")
	}
	if !strings.Contains(bin, "/") {
		found, err := exec.LookPath(bin)
		if err != nil {
			return "", fmt.Errorf("tracee binary %q: %w", bin, err)
		}
		bin = found
	}
	return filepath.Abs(bin)
}

// resolve runs the go command to fill the pins, rewrites and arguments.
func (p *Plan) resolve(ctx context.Context, opts Options) error {
	r := &runner{goCmd: p.goCmd, dir: p.Root, env: p.environ()}
	if exp := p.Target.BuildExperiment(); exp != "" {
		if err := checkExperiment(ctx, p.goCmd, p.Root, r.env, exp); err != nil {
			return refuse(ErrExperiment,
				fmt.Sprintf("tracee was built with GOEXPERIMENT=%s, which this toolchain refuses (%v)", exp, err),
				"use the toolchain tracee was built with")
		}
	}
	mf, err := p.modfile(opts.WorkDir)
	if err != nil {
		return err
	}
	var tags []string
	if opts.GoOnly {
		tags = []string{GoOnlyTag}
	}
	flags := buildFlags(p.Target, tags)
	pkg := defaultString(opts.Package, "./plugin")
	pkgs, err := p.pin(ctx, r, mf, flags, pkg, opts.TraceeSrc)
	if err != nil {
		return err
	}
	rwFlags, err := p.rewrite(pkgs, mf)
	if err != nil {
		return err
	}
	p.Args = append([]string{"build", "-mod=mod", "-modfile=" + mf.path}, flags...)
	p.Args = append(p.Args, rwFlags...)
	p.Args = append(p.Args, "-o", p.Output, pkg)
	p.warn(opts)
	return nil
}

func (p *Plan) modfile(workDir string) (modfile, error) {
	if workDir == "" {
		dir, err := os.MkdirTemp("", "pidfdsig-plugin-")
		if err != nil {
			return modfile{}, err
		}
		p.tempDir, workDir = dir, dir
	} else if err := os.MkdirAll(workDir, 0o755); err != nil {
		return modfile{}, err
	}
	abs, err := filepath.Abs(filepath.Join(workDir, "plugin.mod"))
	p.Modfile = abs
	return modfile{root: p.Root, path: abs}, err
}

// pin writes the alternate go.mod until every shared module compiles from
// tracee's source and the modules that depend on a pinned one are
// downgraded with it, and returns the packages of the final build list.
func (p *Plan) pin(ctx context.Context, r *runner, mf modfile, flags []string, pkg, traceeSrc string) ([]listedPackage, error) {
	have := make(map[string]Pin)
	keep, err := directRequirements(ctx, r)
	if err != nil {
		return nil, err
	}
	idx := newGoIndex(r, mf)
	for range maxPinRounds {
		if err := mf.write(ctx, r, p.Pins); err != nil {
			return nil, err
		}
		pkgs, err := r.list(ctx, mf, flags, pkg)
		if err != nil {
			return nil, p.listFailure(err)
		}
		if len(p.Pins) == 0 {
			if err := loadErrors(pkgs); err != nil {
				return nil, err
			}
		}
		more, errs := pinsFor(p.Target, pkgs, traceeSrc, have)
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		if len(more) == 0 {
			res, err := resolveGraph(ctx, idx, graphInputFor(p.Target, pkgs, p.Pins, keep))
			if err != nil {
				return nil, err
			}
			if more = p.downgrades(pkgs, res); len(more) == 0 {
				p.Conflicts = res.kept
				if err := loadErrors(pkgs); err != nil {
					return nil, p.listFailure(err)
				}
				return pkgs, nil
			}
		}
		for _, pin := range more {
			if _, ok := have[pin.Path]; ok {
				p.Pins = slices.DeleteFunc(p.Pins, func(old Pin) bool { return old.Path == pin.Path })
			}
			have[pin.Path] = pin
			p.Pins = append(p.Pins, pin)
		}
		slices.SortFunc(p.Pins, func(a, b Pin) int { return strings.Compare(a.Path, b.Path) })
	}
	return nil, fmt.Errorf("module pins did not settle after %d rounds: %v", maxPinRounds, p.Pins)
}

// downgrades turns the graph resolution's new or lowered downgrades into
// pins.
func (p *Plan) downgrades(pkgs []listedPackage, res graphResult) []Pin {
	pinned := make(map[string]Pin)
	for _, pin := range p.Pins {
		pinned[pin.Path] = pin
	}
	var out []Pin
	for _, m := range linkedModules(pkgs) {
		v, ok := res.down[m.Path]
		if !ok {
			continue
		}
		old, was := pinned[m.Path]
		if was && old.ReplaceVersion == v {
			continue
		}
		from := m.String()
		if was {
			from = old.From
		}
		out = append(out, Pin{Path: m.Path, From: from, Require: v, Replace: m.Path, ReplaceVersion: v,
			Reason: res.why[m.Path].String()})
	}
	return out
}

// listFailure adds, to a failed `go list` of the pinned build, what the
// pins moved: such a failure (a package missing from a pinned version)
// comes from a pin.
func (p *Plan) listFailure(err error) error {
	if len(p.Pins) == 0 {
		return err
	}
	return fmt.Errorf("%w%s", err, p.failureHint())
}

// rewrite works out the path rewrites and checks the module hashes.
func (p *Plan) rewrite(pkgs []listedPackage, mf modfile) ([]string, error) {
	rws, unknown, errs := rewritesFor(p.Target, pkgs)
	sums, err := mf.sums()
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	errs = append(errs, checkSums(p.Target, pkgs, sums)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if unknown > 0 && !p.Target.Trimpath {
		p.Warnings = append(p.Warnings, fmt.Sprintf(
			"%d shared packages have no functions in tracee's function table: their recorded directories are assumed to match", unknown))
	}
	p.Rewrites = rws
	return rewriteFlags(p.Target, rws)
}

func (p *Plan) warn(opts Options) {
	t := p.Target
	if !t.FuncTable {
		p.Warnings = append(p.Warnings,
			"tracee's function table could not be read: plugin support and recorded directories were not checked")
	}
	if opts.TraceeSrc != "" && !slices.ContainsFunc(p.Pins, func(pin Pin) bool { return pin.ReplaceVersion == "" }) {
		p.Warnings = append(p.Warnings,
			"TRACEE_SRC is not used: tracee compiled no shared module from a local directory")
	}
	var down []string
	for _, pin := range p.Pins {
		if older(pin) {
			down = append(down, pin.Path)
		}
	}
	if len(down) > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf(
			"pinned to older versions than this project selects: %s; if the build fails to compile, "+
				"our code or OPA needs a newer API there (the go-only variant needs fewer modules)", strings.Join(down, ", ")))
	}
}

// older reports whether a pin moves a module to a lower version, judged
// by the Go version ordering of plain semantic versions.
func older(pin Pin) bool {
	from, _, _ := strings.Cut(pin.From, " ")
	return pin.ReplaceVersion != "" && pin.Replace == pin.Path && compareSemver(pin.ReplaceVersion, from) < 0
}

// environ is the build's full environment: the base one, then Env (the
// last value of a repeated key wins).
func (p *Plan) environ() []string {
	return append(slices.Clone(p.baseEnv), p.Env...)
}

// Close removes the temporary directory holding the alternate go.mod.
func (p *Plan) Close() error {
	if p.tempDir == "" {
		return nil
	}
	err := os.RemoveAll(p.tempDir)
	p.tempDir = ""
	return err
}
