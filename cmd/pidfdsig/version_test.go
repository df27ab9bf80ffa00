package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersionReport(t *testing.T) {
	opa := &debug.Module{Path: opaModule, Version: "v1.13.2"}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want versionReport
	}{
		{"a released module", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"}, Deps: []*debug.Module{opa}}, true,
			versionReport{Module: "v1.2.3", Go: "go1.26.0", OPA: "v1.13.2"}},
		{"a development build names its revision", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "false"}}, Deps: []*debug.Module{opa}}, true,
			versionReport{Module: "(devel) revision abc123", Go: "go1.26.0", OPA: "v1.13.2"}},
		{"a modified work tree says so", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}}, true,
			versionReport{Module: "(devel) revision abc123, modified", Go: "go1.26.0", OPA: "not linked"}},
		{"no VCS information", &debug.BuildInfo{GoVersion: "go1.26.0"}, true,
			versionReport{Module: "(devel)", Go: "go1.26.0", OPA: "not linked"}},
		{"a replaced OPA shows both versions", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.0.0"},
			Deps: []*debug.Module{{Path: opaModule, Version: "v1.13.2", Replace: &debug.Module{Path: "../opa", Version: "v1.14.0"}}}}, true,
			versionReport{Module: "v1.0.0", Go: "go1.26.0", OPA: "v1.14.0 (replaces v1.13.2)"}},
		{"no build information", nil, false,
			versionReport{Module: "unknown (no build information)", Go: "unknown", OPA: "unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, newVersionReport(tt.bi, tt.ok))
		})
	}
}

// TestVersionCommand runs the command in this test binary, which links
// OPA as pidfdsig does.
func TestVersionCommand(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-version"} {
		t.Run(arg, func(t *testing.T) {
			code, out, stderr := runCmd(t, "", arg)
			require.Equal(t, exitOK, code, stderr)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.Len(t, lines, 3, out)
			assert.True(t, strings.HasPrefix(lines[0], "pidfdsig "), lines[0])
			assert.Equal(t, "go: "+runtime.Version(), lines[1])
			assert.Regexp(t, `^opa: v1\.\d+\.\d+`, lines[2])
		})
	}
}
