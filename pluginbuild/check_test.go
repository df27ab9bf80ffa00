package pluginbuild

import (
	"errors"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadableTarget is a tracee that go1.26.8 on linux/amd64 can build for.
func loadableTarget(mutate ...func(*debug.BuildInfo)) *Target {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Settings: settings("-buildmode", "exe", "-compiler", "gc", "CGO_ENABLED", "1",
			"GOARCH", "amd64", "GOOS", "linux", "GOAMD64", "v1"),
	}
	for _, m := range mutate {
		m(bi)
	}
	t := TargetFromBuildInfo(bi)
	t.Path = "/usr/bin/tracee"
	t.Linking = Linking{ELF: true, Interpreter: "/lib64/ld-linux-x86-64.so.2", Needed: []string{"libc.so.6"}}
	t.FuncTable, t.PluginLoader = true, true
	return t
}

func localToolchain() Toolchain {
	return Toolchain{GoVersion: "go1.26.8", GOOS: "linux", GOARCH: "amd64", GOHOSTOS: "linux", GOHOSTARCH: "amd64"}
}

func setting(key, value string) func(*debug.BuildInfo) {
	return func(bi *debug.BuildInfo) {
		for i := range bi.Settings {
			if bi.Settings[i].Key == key {
				bi.Settings[i].Value = value
				return
			}
		}
		bi.Settings = append(bi.Settings, debug.BuildSetting{Key: key, Value: value})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		target   *Target
		tc       func(*Toolchain)
		wantErrs []error
		wantMsg  string
	}{
		{name: "a matching dynamic tracee is accepted", target: loadableTarget()},
		{name: "a tracee built with its recorded GOEXPERIMENT is accepted",
			target: loadableTarget(setting("GOEXPERIMENT", "norandomizedheapbase64"),
				func(bi *debug.BuildInfo) { bi.GoVersion = "go1.26.8-X:norandomizedheapbase64" })},
		{name: "another Go version is refused with the version to install",
			target:   loadableTarget(func(bi *debug.BuildInfo) { bi.GoVersion = "go1.24.9" }),
			wantErrs: []error{ErrToolchain},
			wantMsg:  "tracee was built with go1.24.9, this toolchain is go1.26.8; install go1.24.9 (GOTOOLCHAIN=go1.24.9) and retry"},
		{name: "a static tracee is refused",
			target:   func() *Target { tg := loadableTarget(); tg.Linking = Linking{ELF: true}; return tg }(),
			wantErrs: []error{ErrStatic},
			wantMsg:  "tracee is static and cannot load plugins"},
		{name: "a static tracee's -ldflags are cited",
			target: func() *Target {
				tg := loadableTarget(setting("-ldflags", `-w -extldflags "-static"`))
				tg.Linking = Linking{ELF: true}
				return tg
			}(),
			wantErrs: []error{ErrStatic},
			wantMsg:  "its -ldflags ask for -static"},
		{name: "a tracee without cgo is refused",
			target:   loadableTarget(setting("CGO_ENABLED", "0")),
			wantErrs: []error{ErrNoCgo},
			wantMsg:  "CGO_ENABLED=0"},
		{name: "a tracee without the plugin package is refused",
			target:   func() *Target { tg := loadableTarget(); tg.PluginLoader = false; return tg }(),
			wantErrs: []error{ErrNoPluginLoader}},
		{name: "an unread function table is not held against tracee",
			target: func() *Target { tg := loadableTarget(); tg.FuncTable, tg.PluginLoader = false, false; return tg }()},
		{name: "a gccgo tracee is refused",
			target:   loadableTarget(setting("-compiler", "gccgo")),
			wantErrs: []error{ErrToolchain}},
		{name: "another architecture is refused",
			target:   loadableTarget(setting("GOARCH", "arm64")),
			wantErrs: []error{ErrPlatform},
			wantMsg:  "linux/arm64"},
		{name: "another OS is refused",
			target:   loadableTarget(setting("GOOS", "darwin")),
			wantErrs: []error{ErrPlatform}},
		{name: "a toolchain with default experiments tracee lacked is refused",
			target:   loadableTarget(),
			tc:       func(tc *Toolchain) { tc.GoVersion = "go1.26.8 X:nogreenteagc" },
			wantErrs: []error{ErrExperiment},
			wantMsg:  "GOEXPERIMENT=nogreenteagc"},
		{name: "a toolchain with default experiments builds for a tracee with explicit ones",
			target: loadableTarget(setting("GOEXPERIMENT", "nogreenteagc"),
				func(bi *debug.BuildInfo) { bi.GoVersion = "go1.26.8-X:nogreenteagc" }),
			tc: func(tc *Toolchain) { tc.GoVersion = "go1.26.8 X:nogreenteagc" }},
		{name: "every mismatch is reported at once",
			target: func() *Target {
				tg := loadableTarget(setting("CGO_ENABLED", "0"), func(bi *debug.BuildInfo) { bi.GoVersion = "go1.24.9" })
				tg.Linking = Linking{ELF: true}
				return tg
			}(),
			wantErrs: []error{ErrStatic, ErrNoCgo, ErrToolchain}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := localToolchain()
			if tt.tc != nil {
				tt.tc(&tc)
			}
			err := Check(tt.target, tc)
			if len(tt.wantErrs) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tt.wantErrs {
				assert.ErrorIs(t, err, want)
			}
			var r *Refusal
			require.True(t, errors.As(err, &r), "refusals are *Refusal")
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func TestBuildEnvAndFlags(t *testing.T) {
	tests := []struct {
		name      string
		target    *Target
		extraTags []string
		wantEnv   []string
		wantFlags []string
		noFlags   []string
	}{
		{name: "a default tracee sets the platform and pins the toolchain",
			target:    loadableTarget(),
			wantEnv:   []string{"CGO_ENABLED=1", "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "GOEXPERIMENT=", "GOTOOLCHAIN=go1.26.8", "GOFLAGS=", "GOWORK=off"},
			wantFlags: []string{"-buildmode=plugin"},
			noFlags:   []string{"-trimpath", "-race"}},
		{name: "-trimpath, -race and tags are reproduced",
			target:    loadableTarget(setting("-trimpath", "true"), setting("-race", "true"), setting("-tags", "core,ebpf")),
			extraTags: []string{GoOnlyTag, "core"},
			wantFlags: []string{"-trimpath", "-race", "-tags=core,ebpf," + GoOnlyTag}},
		{name: "experiments named only by the version are set explicitly",
			target:  loadableTarget(func(bi *debug.BuildInfo) { bi.GoVersion = "go1.26.8-X:norandomizedheapbase64" }),
			wantEnv: []string{"GOEXPERIMENT=norandomizedheapbase64"}},
		{name: "the recorded GOEXPERIMENT wins over the version's list",
			target: loadableTarget(setting("GOEXPERIMENT", "norandomizedheapbase64,nogreenteagc"),
				func(bi *debug.BuildInfo) { bi.GoVersion = "go1.26.8-X:nogreenteagc,norandomizedheapbase64" }),
			wantEnv: []string{"GOEXPERIMENT=norandomizedheapbase64,nogreenteagc"}},
		{name: "compiler flags for all packages are reproduced",
			target:    loadableTarget(setting("-gcflags", "all=-N -l")),
			wantFlags: []string{"-gcflags=all=-N -l"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := buildEnv(tt.target)
			flags := buildFlags(tt.target, tt.extraTags)
			for _, e := range tt.wantEnv {
				assert.Contains(t, env, e)
			}
			for _, f := range tt.wantFlags {
				assert.Contains(t, flags, f)
			}
			for _, f := range tt.noFlags {
				assert.NotContains(t, flags, f)
			}
		})
	}
}
