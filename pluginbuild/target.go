package pluginbuild

import (
	"debug/buildinfo"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
)

// Module is a module as a binary's build information records it: Path and
// Version as selected, Sum its go.sum hash, Replace what was compiled
// instead (a module, or a local directory when Replace.Version is empty).
type Module struct {
	Path    string
	Version string
	Sum     string
	Replace *Module
}

// String returns "path version" or "path version => replacement".
func (m Module) String() string {
	s := m.Path + " " + m.Version
	if m.Replace != nil {
		s += " => " + m.Replace.Path
		if m.Replace.Version != "" {
			s += " " + m.Replace.Version
		}
	}
	return strings.TrimSpace(s)
}

// IsDir reports whether the module was compiled from a local directory
// (a directory replacement), whose contents no version names.
func (m Module) IsDir() bool {
	return m.Replace != nil && (m.Replace.Version == "" || m.Replace.Version == develVersion)
}

// Content returns the module path and version whose source was compiled:
// the replacement's when there is one. For a directory it returns the
// directory and "".
func (m Module) Content() (path, version string) {
	switch {
	case m.IsDir():
		return m.Replace.Path, ""
	case m.Replace != nil:
		return m.Replace.Path, m.Replace.Version
	default:
		return m.Path, m.Version
	}
}

// develVersion is what build information records for a main module or a
// directory: "(devel)".
const develVersion = "(devel)"

// Target is what pluginbuild knows of the tracee binary a plugin is built
// for. TargetFromBuildInfo fills the build information fields; ReadTarget
// also fills Linking and the function table fields from the ELF file.
type Target struct {
	// Path is the file read, "" for a Target made from build information.
	Path string

	// GoVersion is the toolchain version without experiments ("go1.24.9").
	GoVersion string
	// VersionExperiments are the experiments the runtime version string
	// names ("go1.26.8 X:norandomizedheapbase64"): the experiments that
	// were in effect, however they were set.
	VersionExperiments []string
	// Experiment is the GOEXPERIMENT setting recorded, "" when unset.
	Experiment string

	BuildMode  string // -buildmode: "exe", "pie"
	Compiler   string // -compiler: "gc" or "gccgo"
	CgoEnabled bool   // CGO_ENABLED=1
	Trimpath   bool   // -trimpath
	Race       bool   // -race
	MSan       bool   // -msan
	ASan       bool   // -asan
	Tags       []string
	Gcflags    string // -gcflags, "" when unset
	Asmflags   string // -asmflags, "" when unset
	// Ldflags is the -ldflags setting. The go command omits it from builds
	// made with -trimpath, so "" does not mean no flags were given.
	Ldflags string
	GOOS    string
	GOARCH  string
	// ArchEnv is the architecture level setting, e.g. "GOAMD64=v1", "" when
	// none is recorded.
	ArchEnv string
	// FIPS140 is the GOFIPS140 setting, "" when unset.
	FIPS140 string

	// Main is tracee's main module; Deps the modules linked into it.
	Main Module
	Deps []Module

	// Linking tells how the binary is linked (filled by ReadTarget).
	Linking Linking
	// FuncTable reports that the function table was read, so PackageDirs
	// and PluginLoader can be trusted.
	FuncTable bool
	// PluginLoader reports that Go's plugin loader (package plugin) is
	// linked into the binary.
	PluginLoader bool
	// PackageDirs maps an import path to the directory its source file
	// paths were recorded under: an absolute directory, or
	// "module@version/sub" with -trimpath.
	PackageDirs map[string]string
	// ModCache is the module cache directory tracee was compiled from, when
	// it was built without -trimpath and the function table shows it.
	ModCache string
}

// ReadTarget reads the build information, ELF headers and function table of
// the tracee binary at path. It fails with ErrNotGoBinary for a file without
// Go build information.
func ReadTarget(path string) (*Target, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrNotGoBinary, err)
	}
	t := TargetFromBuildInfo(bi)
	t.Path = path
	if t.Linking, err = readLinking(path); err != nil {
		return nil, err
	}
	ft, err := readFuncTable(path)
	if err == nil {
		t.FuncTable = true
		t.PluginLoader = ft.pluginLoader
		t.PackageDirs = ft.packageDirs
		t.ModCache = t.modCacheFromDirs()
	}
	return t, nil
}

// TargetFromBuildInfo describes a binary from its build information alone:
// Linking and the function table fields are left zero.
func TargetFromBuildInfo(bi *debug.BuildInfo) *Target {
	t := &Target{BuildMode: "exe", Compiler: "gc", Main: moduleOf(&bi.Main)}
	t.GoVersion, t.VersionExperiments = splitGoVersion(bi.GoVersion)
	for _, d := range bi.Deps {
		t.Deps = append(t.Deps, moduleOf(d))
	}
	for _, s := range bi.Settings {
		t.applySetting(s.Key, s.Value)
	}
	return t
}

func (t *Target) applySetting(key, value string) {
	on, _ := strconv.ParseBool(value)
	switch key {
	case "-buildmode":
		t.BuildMode = value
	case "-compiler":
		t.Compiler = value
	case "CGO_ENABLED":
		t.CgoEnabled = value == "1"
	case "-trimpath":
		t.Trimpath = on
	case "-race":
		t.Race = on
	case "-msan":
		t.MSan = on
	case "-asan":
		t.ASan = on
	case "-tags":
		t.Tags = splitList(value)
	case "-gcflags":
		t.Gcflags = value
	case "-asmflags":
		t.Asmflags = value
	case "-ldflags":
		t.Ldflags = value
	case "GOOS":
		t.GOOS = value
	case "GOARCH":
		t.GOARCH = value
	case "GOEXPERIMENT":
		t.Experiment = value
	case "GOFIPS140":
		t.FIPS140 = value
	case "GO386", "GOAMD64", "GOARM", "GOARM64", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64", "GOWASM":
		t.ArchEnv = key + "=" + value
	}
}

func moduleOf(m *debug.Module) Module {
	out := Module{Path: m.Path, Version: m.Version, Sum: m.Sum}
	if m.Replace != nil {
		r := moduleOf(m.Replace)
		out.Replace = &r
	}
	return out
}

// splitGoVersion splits "go1.26.8 X:a,b" (or "go1.26.8-X:a,b", as the
// linker writes it) into the version and the experiment names.
func splitGoVersion(v string) (string, []string) {
	for _, sep := range []string{" X:", "-X:"} {
		if i := strings.Index(v, sep); i >= 0 {
			return v[:i], splitList(v[i+len(sep):])
		}
	}
	return strings.TrimSpace(v), nil
}

func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Dep returns the module tracee links that provides module path, the main
// module included.
func (t *Target) Dep(path string) (Module, bool) {
	if t.Main.Path == path {
		m := t.Main
		if m.Replace == nil {
			m.Replace = &Module{Path: "."}
		}
		return m, true
	}
	for _, d := range t.Deps {
		if d.Path == path {
			return d, true
		}
	}
	return Module{}, false
}

// StaticHint reports whether the recorded -ldflags ask for static linking.
func (t *Target) StaticHint() bool {
	return strings.Contains(t.Ldflags, "-static")
}
