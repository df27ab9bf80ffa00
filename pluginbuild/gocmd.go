package pluginbuild

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// listedPackage is one package of `go list -json`.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *listedModule
	CgoFiles   []string
	SFiles     []string
	// Error is set when the package cannot be loaded (go list -e): with
	// pins, typically an import that the pinned version of its module
	// lacks.
	Error *struct{ Err string }
}

type listedModule struct {
	Path    string
	Version string
	Main    bool
	Dir     string
	Replace *listedModule
}

// content returns the module path and version compiled, or the directory
// and "" for a directory replacement.
func (m *listedModule) content() (string, string) {
	switch {
	case m.Replace != nil && m.Replace.Version == "":
		return m.Replace.Dir, ""
	case m.Replace != nil:
		return m.Replace.Path, m.Replace.Version
	default:
		return m.Path, m.Version
	}
}

func (m *listedModule) String() string {
	s := m.Version
	if m.Replace != nil {
		s += " => " + strings.TrimSpace(m.Replace.Path+" "+m.Replace.Version)
	}
	return s
}

// runner runs the go command in the module root with the build
// environment.
type runner struct {
	goCmd string
	dir   string
	env   []string
}

func (r *runner) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, r.goCmd, args...)
	cmd.Dir, cmd.Env = r.dir, r.env
	return cmd
}

func (r *runner) output(ctx context.Context, args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	cmd := r.command(ctx, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w\n%s", r.goCmd, strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// list returns the packages pkg links, with their modules, as the build
// would see them. A package that cannot be loaded is listed with its Error
// (a pinned build list can miss packages until its dependents are
// downgraded too); see loadErrors.
func (r *runner) list(ctx context.Context, mf modfile, flags []string, pkg string) ([]listedPackage, error) {
	args := []string{"list", "-e", "-mod=mod", "-modfile=" + mf.path, "-deps",
		"-json=ImportPath,Dir,Standard,Module,CgoFiles,SFiles,Error"}
	for _, f := range flags {
		if f == "-race" || f == "-msan" || f == "-asan" || strings.HasPrefix(f, "-tags=") {
			args = append(args, f)
		}
	}
	out, err := r.output(ctx, append(args, pkg)...)
	if err != nil {
		return nil, err
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			return pkgs, nil
		} else if err != nil {
			return nil, fmt.Errorf("go list: %w", err)
		}
		pkgs = append(pkgs, p)
	}
}

// loadErrors joins the errors of the packages that could not be loaded.
func loadErrors(pkgs []listedPackage) error {
	var errs []error
	for _, p := range pkgs {
		if p.Error != nil {
			errs = append(errs, fmt.Errorf("package %s: %s", p.ImportPath, p.Error.Err))
		}
	}
	return errors.Join(errs...)
}
