package pluginbuild

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Check compares tracee's build with the local toolchain and returns every
// reason the .so could not be loaded by it, joined (nil when none): a
// static or cgo-less tracee, another toolchain version or compiler, another
// platform, or experiments the local toolchain would change. Module
// versions are checked later, by NewPlan, since they need the build list.
func Check(t *Target, tc Toolchain) error {
	var errs []error
	add := func(r *Refusal) { errs = append(errs, r) }
	name := t.name()
	if t.GOOS != "linux" {
		add(refuse(ErrPlatform,
			fmt.Sprintf("%s is a %s/%s binary", name, t.GOOS, t.GOARCH),
			"Tracee and its Go plugins run on linux only"))
	}
	if !t.Linking.Dynamic() {
		why := "has no program interpreter and needs no shared library"
		if t.StaticHint() {
			why += "; its -ldflags ask for -static"
		}
		add(refuse(ErrStatic, fmt.Sprintf("%s (%s %s)", ErrStatic, name, why),
			"use a dynamically linked tracee (built without STATIC=1)"))
	}
	if !t.CgoEnabled {
		add(refuse(ErrNoCgo, fmt.Sprintf("%s (%s: CGO_ENABLED=0)", ErrNoCgo, name),
			"use a tracee built with CGO_ENABLED=1, as its Makefile does"))
	}
	if t.FuncTable && !t.PluginLoader {
		add(refuse(ErrNoPluginLoader,
			fmt.Sprintf("%s: the plugin package is not linked into %s", ErrNoPluginLoader, name),
			"this tracee cannot load .so signatures; use a build that supports --signatures-dir"))
	}
	if r := checkToolchain(t, tc); r != nil {
		add(r)
	}
	if t.GOARCH != tc.GOHOSTARCH && t.GOARCH != "" {
		add(refuse(ErrPlatform,
			fmt.Sprintf("%s is linux/%s, this machine is %s/%s", name, t.GOARCH, tc.GOHOSTOS, tc.GOHOSTARCH),
			fmt.Sprintf("build the plugin on a linux/%s machine (a cgo plugin needs a native C toolchain)", t.GOARCH)))
	}
	if r := checkExperiments(t, tc); r != nil {
		add(r)
	}
	return errors.Join(errs...)
}

func checkToolchain(t *Target, tc Toolchain) *Refusal {
	if t.Compiler != "gc" {
		return refuse(ErrToolchain,
			fmt.Sprintf("%s was built with the %s compiler", t.name(), t.Compiler),
			"only gc-built tracee binaries are supported")
	}
	local, _ := splitGoVersion(tc.GoVersion)
	if local == t.GoVersion {
		return nil
	}
	fix := fmt.Sprintf("install %s (GOTOOLCHAIN=%s) and retry", t.GoVersion, t.GoVersion)
	if strings.HasPrefix(t.GoVersion, "devel") {
		fix = "build the plugin with the same development toolchain tracee was built with"
	}
	return refuse(ErrToolchain,
		fmt.Sprintf("tracee was built with %s, this toolchain is %s", t.GoVersion, local), fix)
}

// BuildExperiment returns the GOEXPERIMENT value that reproduces tracee's
// experiments: the recorded setting, else the experiments its version
// string names (a toolchain that enabled them by default).
func (t *Target) BuildExperiment() string {
	if t.Experiment != "" {
		return t.Experiment
	}
	return strings.Join(t.VersionExperiments, ",")
}

func checkExperiments(t *Target, tc Toolchain) *Refusal {
	_, local := splitGoVersion(tc.GoVersion)
	if len(local) == 0 || t.BuildExperiment() != "" {
		return nil
	}
	// The local toolchain was built with default experiments; an empty
	// GOEXPERIMENT keeps them, and tracee had none.
	return refuse(ErrExperiment,
		fmt.Sprintf("this toolchain enables GOEXPERIMENT=%s by default, tracee was built without experiments",
			strings.Join(local, ",")),
		"use a Go toolchain built without default experiments")
}

// name is how messages call the binary.
func (t *Target) name() string {
	if t.Path != "" {
		return t.Path
	}
	return "tracee"
}

// buildEnv returns the environment variables the build sets, beyond the
// caller's environment, as KEY=VALUE in a stable order.
func buildEnv(t *Target) []string {
	env := []string{
		"CGO_ENABLED=1",
		"GOOS=" + t.GOOS,
		"GOARCH=" + t.GOARCH,
	}
	if t.ArchEnv != "" {
		env = append(env, t.ArchEnv)
	}
	env = append(env, "GOEXPERIMENT="+t.BuildExperiment())
	if t.FIPS140 != "" {
		env = append(env, "GOFIPS140="+t.FIPS140)
	}
	if strings.HasPrefix(t.GoVersion, "go") {
		// Pin the toolchain: a module's go line must not switch it.
		env = append(env, "GOTOOLCHAIN="+t.GoVersion)
	}
	// The caller's GOFLAGS (-trimpath, -race, -mod=vendor...) and a go.work
	// would change what is built: the plan says everything itself.
	return append(env, "GOFLAGS=", "GOWORK=off")
}

// buildFlags returns the go build flags that reproduce tracee's build
// settings, with the variant's tags added.
func buildFlags(t *Target, extraTags []string) []string {
	flags := []string{"-buildmode=plugin", "-buildvcs=false"}
	if t.Trimpath {
		flags = append(flags, "-trimpath")
	}
	for _, f := range []struct {
		on   bool
		flag string
	}{{t.Race, "-race"}, {t.MSan, "-msan"}, {t.ASan, "-asan"}} {
		if f.on {
			flags = append(flags, f.flag)
		}
	}
	tags := slices.Clone(t.Tags)
	for _, tag := range extraTags {
		if !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
	}
	if len(tags) > 0 {
		flags = append(flags, "-tags="+strings.Join(tags, ","))
	}
	if t.Gcflags != "" {
		flags = append(flags, "-gcflags="+t.Gcflags)
	}
	if t.Asmflags != "" {
		flags = append(flags, "-asmflags="+t.Asmflags)
	}
	return flags
}
