package pluginbuild

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func settings(kv ...string) []debug.BuildSetting {
	var s []debug.BuildSetting
	for i := 0; i+1 < len(kv); i += 2 {
		s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
	}
	return s
}

func TestTargetFromBuildInfo(t *testing.T) {
	tests := []struct {
		name  string
		bi    debug.BuildInfo
		check func(t *testing.T, tg *Target)
	}{
		{"a plain version has no experiments", debug.BuildInfo{GoVersion: "go1.24.9"}, func(t *testing.T, tg *Target) {
			assert.Equal(t, "go1.24.9", tg.GoVersion)
			assert.Empty(t, tg.VersionExperiments)
		}},
		{"the linker's -X: suffix names experiments", debug.BuildInfo{GoVersion: "go1.26.8-X:norandomizedheapbase64"}, func(t *testing.T, tg *Target) {
			assert.Equal(t, "go1.26.8", tg.GoVersion)
			assert.Equal(t, []string{"norandomizedheapbase64"}, tg.VersionExperiments)
		}},
		{"the runtime's X: suffix names experiments", debug.BuildInfo{GoVersion: "go1.26.8 X:nogreenteagc,norandomizedheapbase64"}, func(t *testing.T, tg *Target) {
			assert.Equal(t, []string{"nogreenteagc", "norandomizedheapbase64"}, tg.VersionExperiments)
		}},
		{"settings are read", debug.BuildInfo{GoVersion: "go1.24.9", Settings: settings(
			"-buildmode", "pie", "-compiler", "gc", "-race", "true", "-tags", "core,ebpf", "-trimpath", "true",
			"CGO_ENABLED", "1", "GOARCH", "amd64", "GOEXPERIMENT", "norandomizedheapbase64", "GOOS", "linux", "GOAMD64", "v3",
			"-ldflags", `-w -extldflags "-static"`, "-gcflags", "all=-N -l")}, func(t *testing.T, tg *Target) {
			assert.Equal(t, "pie", tg.BuildMode)
			assert.True(t, tg.Race)
			assert.True(t, tg.Trimpath)
			assert.True(t, tg.CgoEnabled)
			assert.Equal(t, []string{"core", "ebpf"}, tg.Tags)
			assert.Equal(t, "norandomizedheapbase64", tg.Experiment)
			assert.Equal(t, "GOAMD64=v3", tg.ArchEnv)
			assert.Equal(t, "linux", tg.GOOS)
			assert.Equal(t, "all=-N -l", tg.Gcflags)
			assert.True(t, tg.StaticHint())
		}},
		{"without settings cgo is off and the build mode is exe", debug.BuildInfo{GoVersion: "go1.24.9"}, func(t *testing.T, tg *Target) {
			assert.False(t, tg.CgoEnabled)
			assert.Equal(t, "exe", tg.BuildMode)
			assert.False(t, tg.StaticHint())
		}},
		{"deps keep their replacements", debug.BuildInfo{GoVersion: "go1.24.9", Deps: []*debug.Module{
			{Path: "a.example/m", Version: "v1.0.0", Sum: "h1:a"},
			{Path: "a.example/r", Version: "v1.0.0", Replace: &debug.Module{Path: "a.example/fork", Version: "v1.0.1", Sum: "h1:f"}},
			{Path: "github.com/aquasecurity/tracee/types", Version: "v0.0.0-00010101000000-000000000000", Replace: &debug.Module{Path: "./types"}},
		}}, func(t *testing.T, tg *Target) {
			d, ok := tg.Dep("a.example/r")
			assert.True(t, ok)
			p, v := d.Content()
			assert.Equal(t, "a.example/fork v1.0.1", p+" "+v)
			types, _ := tg.Dep("github.com/aquasecurity/tracee/types")
			assert.True(t, types.IsDir())
			_, ok = tg.Dep("a.example/absent")
			assert.False(t, ok)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, TargetFromBuildInfo(&tt.bi))
		})
	}
}

func TestModuleString(t *testing.T) {
	tests := []struct {
		name string
		m    Module
		want string
	}{
		{"a plain module", Module{Path: "a.example/m", Version: "v1.2.3"}, "a.example/m v1.2.3"},
		{"a module replaced by another", Module{Path: "a.example/m", Version: "v1.2.3", Replace: &Module{Path: "b.example/m", Version: "v1.0.0"}}, "a.example/m v1.2.3 => b.example/m v1.0.0"},
		{"a module replaced by a directory", Module{Path: "a.example/m", Version: "v1.2.3", Replace: &Module{Path: "./m"}}, "a.example/m v1.2.3 => ./m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.m.String())
		})
	}
}

func TestEscapeModulePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"github.com/aquasecurity/tracee/types", "github.com/aquasecurity/tracee/types"},
		{"github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, escapeModulePath(tt.in))
		})
	}
}

func TestIsRelease(t *testing.T) {
	tests := []struct {
		v    string
		want bool
	}{
		{"v1.2.3", true},
		{"v2.0.0+incompatible", true},
		{"v1.2.3-rc.1", false},
		{"v0.0.0-20251205142631-7dc44bdb801c", false},
		{"1.2.3", false},
		{"garbage", false},
	}
	for _, tt := range tests {
		t.Run(tt.v, func(t *testing.T) {
			assert.Equal(t, tt.want, isRelease(tt.v))
		})
	}
}

func TestCompareSemver(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"v1.36.10", "v1.36.11", -1},
		{"v1.36.11", "v1.36.10", 1},
		{"v0.40.0", "v0.40.0", 0},
		{"v1.2.3-rc.1", "v1.2.3", -1},
		{"v0.0.0-20251030000000-aaaaaaaaaaaa", "v0.0.0-20251205142631-7dc44bdb801c", -1},
		{"v1.2.4-0.20250101000000-aaaaaaaaaaaa", "v1.2.3", 1},
		{"v2.0.0+incompatible", "v1.9.9", 1},
		{"garbage", "v1.0.0", -1},
		{"v1.0.0-rc.2", "v1.0.0-rc.10", -1},
		{"v1.0.0-rc.10", "v1.0.0-rc.2", 1},
		{"v1.0.0-alpha", "v1.0.0-alpha.1", -1},
		{"v1.0.0-rc.1", "v1.0.0-beta.11", 1},
		{"v1.0.0+build.1", "v1.0.0", 0},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			assert.Equal(t, tt.want, compareSemver(tt.a, tt.b))
		})
	}
}
