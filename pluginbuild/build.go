package pluginbuild

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// WriteTo prints the plan for a person: what tracee is, the settings
// reproduced, the pins, the rewrites, the warnings and the command.
func (p *Plan) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	t := p.Target
	fmt.Fprintf(&b, "tracee:     %s\n", t.Path)
	fmt.Fprintf(&b, "  go:       %s %s/%s, compiler %s, buildmode %s\n", t.GoVersion, t.GOOS, t.GOARCH, t.Compiler, t.BuildMode)
	fmt.Fprintf(&b, "  linking:  %s\n", describeLinking(t.Linking))
	fmt.Fprintf(&b, "  settings: %s\n", strings.Join(p.settingNames(), " "))
	fmt.Fprintf(&b, "  modules:  main %s, %d dependencies\n", t.Main, len(t.Deps))
	fmt.Fprintf(&b, "toolchain:  %s (%s)\n", p.Toolchain.GoVersion, p.Toolchain.GOROOT)
	fmt.Fprintf(&b, "variant:    %s\n", p.Variant)
	fmt.Fprintf(&b, "modfile:    %s\n", p.Modfile)
	fmt.Fprintf(&b, "pins:       %d\n", len(p.Pins))
	for _, pin := range p.Pins {
		fmt.Fprintf(&b, "  %s\n", pin)
	}
	if len(p.Conflicts) > 0 {
		fmt.Fprintf(&b, "conflicts:  %d (kept modules compiled against tracee's older versions)\n", len(p.Conflicts))
		for _, c := range p.Conflicts {
			fmt.Fprintf(&b, "  %s\n", c)
		}
	}
	fmt.Fprintf(&b, "rewrites:   %d\n", len(p.Rewrites))
	for _, rw := range p.Rewrites {
		fmt.Fprintf(&b, "  %s (%d packages): %s => %s\n", rw.Module, len(rw.Packages), rw.From, rw.To)
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "warning:    %s\n", w)
	}
	fmt.Fprintf(&b, "command:\n  %s\n", p.Command())
	n, err := w.Write(b.Bytes())
	return int64(n), err
}

func describeLinking(l Linking) string {
	if !l.Dynamic() {
		return "static"
	}
	return fmt.Sprintf("dynamic (%s; needs %s)", l.Interpreter, strings.Join(l.Needed, " "))
}

// settingNames lists tracee's build settings that the plan reproduces.
func (p *Plan) settingNames() []string {
	t := p.Target
	s := []string{fmt.Sprintf("CGO_ENABLED=%t", t.CgoEnabled), fmt.Sprintf("-trimpath=%t", t.Trimpath)}
	if exp := t.BuildExperiment(); exp != "" {
		s = append(s, "GOEXPERIMENT="+exp)
	}
	if len(t.Tags) > 0 {
		s = append(s, "-tags="+strings.Join(t.Tags, ","))
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{t.Race, "-race"}, {t.MSan, "-msan"}, {t.ASan, "-asan"}} {
		if f.on {
			s = append(s, f.name)
		}
	}
	if t.ArchEnv != "" {
		s = append(s, t.ArchEnv)
	}
	if t.Ldflags != "" {
		s = append(s, fmt.Sprintf("-ldflags=%q", t.Ldflags))
	}
	return s
}

// Command returns the build as one shell command line.
func (p *Plan) Command() string {
	words := []string{"cd", shellQuote(p.Root), "&&", "env"}
	for _, e := range p.Env {
		words = append(words, shellQuote(e))
	}
	words = append(words, shellQuote(p.goCmd))
	for _, a := range p.Args {
		words = append(words, shellQuote(a))
	}
	return strings.Join(words, " ")
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Build plans and builds the plugin for opts in one call: NewPlan, the
// plan printed to stdout, Plan.Build, Close. It returns the plan (closed)
// so that the caller can read the pins, conflicts and output path; on a
// refusal the error joins *Refusal values (errors.Is with the Err*
// sentinels), as NewPlan's does.
func Build(ctx context.Context, opts Options, stdout, stderr io.Writer) (*Plan, error) {
	plan, err := NewPlan(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer plan.Close()
	if _, err := plan.WriteTo(stdout); err != nil {
		return plan, err
	}
	return plan, plan.Build(ctx, stdout, stderr)
}

// Build runs the plan's go build, with the go command's output going to
// stdout and stderr, then checks the .so with Verify.
func (p *Plan) Build(ctx context.Context, stdout, stderr io.Writer) error {
	if err := os.MkdirAll(filepath.Dir(p.Output), 0o755); err != nil {
		return err
	}
	r := &runner{goCmd: p.goCmd, dir: p.Root, env: p.environ()}
	cmd := r.command(ctx, p.Args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build of the plugin failed: %w%s", err, p.failureHint())
	}
	return p.Verify()
}

func (p *Plan) failureHint() string {
	var down []string
	for _, pin := range p.Pins {
		if older(pin) {
			down = append(down, pin.String())
		}
	}
	var b strings.Builder
	if len(down) > 0 {
		b.WriteString("\nmodules pinned down to tracee's versions, or downgraded with them " +
			"(compile errors there mean newer APIs are needed):\n  " + strings.Join(down, "\n  "))
	}
	if len(p.Conflicts) > 0 {
		b.WriteString("\nrequirements of this project's dependencies that tracee's versions break " +
			"(the modules are kept and compiled against tracee's versions):")
		for _, c := range p.Conflicts {
			b.WriteString("\n  " + c.String())
		}
	}
	if b.Len() > 0 && p.Variant != "go-only" {
		b.WriteString("\nthe Go-only variant (-go-only; make plugin GO_ONLY=1) leaves OPA and its dependencies out")
	}
	return b.String()
}

// Verify reads the built .so's build information and checks it against
// tracee's: toolchain and experiments, -trimpath and -race, and every module
// both link.
func (p *Plan) Verify() error {
	bi, err := buildinfo.ReadFile(p.Output)
	if err != nil {
		return fmt.Errorf("%s: %w", p.Output, err)
	}
	so := TargetFromBuildInfo(bi)
	so.Path = p.Output
	return verifyAgainst(p.Target, so)
}

func verifyAgainst(t, so *Target) error {
	var errs []error
	mismatch := func(what, want, got string) {
		if want != got {
			errs = append(errs, fmt.Errorf("%s: %s is %s, tracee's is %s", so.Path, what, got, want))
		}
	}
	mismatch("Go version", t.GoVersion, so.GoVersion)
	mismatch("experiments", strings.Join(t.VersionExperiments, ","), strings.Join(so.VersionExperiments, ","))
	mismatch("-trimpath", fmt.Sprint(t.Trimpath), fmt.Sprint(so.Trimpath))
	mismatch("-race", fmt.Sprint(t.Race), fmt.Sprint(so.Race))
	mismatch("buildmode", "plugin", so.BuildMode)
	for _, d := range so.Deps {
		td, ok := t.Dep(d.Path)
		if !ok || td.IsDir() || d.IsDir() {
			continue
		}
		wp, wv := td.Content()
		gp, gv := d.Content()
		mismatch("module "+d.Path, wp+" "+wv, gp+" "+gv)
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}
