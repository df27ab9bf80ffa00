package pluginbuild_test

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/pluginbuild"
	"github.com/pidfdsig/pidfdsig/target"
)

const (
	miniHost   = "./pluginbuild/testdata/minihost"
	miniPlugin = "./pluginbuild/testdata/miniplugin"
)

// buildMiniHost builds the stand-in tracee with the given go build flags
// and environment.
func buildMiniHost(t *testing.T, env []string, flags ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "minihost")
	args := append([]string{"build", "-o", out}, flags...)
	goCommand(t, env, append(args, miniHost)...)
	return out
}

// hostModfile writes an alternate go.mod that moves protobuf down to
// version, so that a host built with it links another version than the
// project selects.
func hostModfile(t *testing.T, version string) string {
	t.Helper()
	root := moduleRoot(t)
	dir := t.TempDir()
	mod := filepath.Join(dir, "host.mod")
	for _, f := range [][2]string{{"go.mod", mod}, {"go.sum", filepath.Join(dir, "host.sum")}} {
		b, err := os.ReadFile(filepath.Join(root, f[0]))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(f[1], b, 0o644))
	}
	goCommand(t, nil, "mod", "edit", "-modfile="+mod,
		"-require=google.golang.org/protobuf@"+version,
		"-replace=google.golang.org/protobuf=google.golang.org/protobuf@"+version)
	return mod
}

func TestReadTargetOfADynamicHost(t *testing.T) {
	skipIfShort(t, "TestReadTargetOfADynamicHost")
	host := buildMiniHost(t, nil)
	tg, err := pluginbuild.ReadTarget(host)
	require.NoError(t, err)
	assert.True(t, tg.Linking.Dynamic(), "a cgo program is dynamically linked")
	assert.True(t, tg.CgoEnabled)
	assert.True(t, tg.FuncTable)
	assert.True(t, tg.PluginLoader, "minihost imports package plugin")
	modcache := strings.TrimSpace(goCommand(t, nil, "env", "GOMODCACHE"))
	assert.Equal(t, modcache, tg.ModCache)
	dir, ok := tg.PackageDirs["google.golang.org/protobuf/proto"]
	require.True(t, ok)
	assert.Equal(t, modcache+"/google.golang.org/protobuf@v1.36.11/proto", dir)
	_, ok = tg.Dep("github.com/aquasecurity/tracee/types")
	assert.True(t, ok)
}

func TestPlanBuildsAPluginTheHostLoads(t *testing.T) {
	skipIfShort(t, "TestPlanBuildsAPluginTheHostLoads")
	tests := []struct {
		name         string
		host         func(t *testing.T) string
		wantPins     []string
		wantRewrites []string
	}{
		{name: "a host built like the project needs no pin",
			host: func(t *testing.T) string { return buildMiniHost(t, nil) }},
		{name: "a -trimpath host with an older protobuf gets protobuf pinned",
			host: func(t *testing.T) string {
				return buildMiniHost(t, nil, "-mod=mod", "-modfile="+hostModfile(t, "v1.36.10"), "-trimpath")
			},
			wantPins: []string{"google.golang.org/protobuf v1.36.11 -> v1.36.10"}},
		{name: "a host with an older protobuf gets protobuf pinned",
			host: func(t *testing.T) string {
				return buildMiniHost(t, nil, "-mod=mod", "-modfile="+hostModfile(t, "v1.36.10"))
			},
			wantPins: []string{"google.golang.org/protobuf v1.36.11 -> v1.36.10"}},
		{name: "a -trimpath host with a protobuf older than a plugin dependency needs gets that dependency downgraded with it",
			host: func(t *testing.T) string {
				return buildMiniHost(t, nil, "-mod=mod", "-modfile="+hostModfile(t, "v1.36.5"), "-trimpath")
			},
			// client_model v0.6.2 requires protobuf v1.36.6; v0.6.1 asks
			// for v1.33.0. With it the build list selects v1.36.5 itself,
			// so the -trimpath paths need no rewrite.
			wantPins: []string{
				"github.com/prometheus/client_model v0.6.2 -> v0.6.1 (downgraded with its dependency: " +
					"github.com/prometheus/client_model v0.6.2 requires google.golang.org/protobuf v1.36.6, the build has v1.36.5)",
				"google.golang.org/protobuf v1.36.11 -> v1.36.5",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := tt.host(t)
			so := filepath.Join(t.TempDir(), "mini.so")
			plan, err := pluginbuild.NewPlan(context.Background(), pluginbuild.Options{
				TraceeBin: host, Dir: moduleRoot(t), Package: miniPlugin, Output: so,
			})
			require.NoError(t, err)
			defer plan.Close()
			var pins []string
			for _, p := range plan.Pins {
				pins = append(pins, p.String())
			}
			assert.Equal(t, tt.wantPins, pins)
			var rewrites []string
			for _, rw := range plan.Rewrites {
				rewrites = append(rewrites, rw.Pattern+" => "+rw.To)
			}
			assert.Equal(t, tt.wantRewrites, rewrites)
			var log bytes.Buffer
			require.NoError(t, plan.Build(context.Background(), &log, &log), log.String())
			out, err := exec.Command(host, so).CombinedOutput()
			require.NoError(t, err, string(out))
			assert.Equal(t, "loaded MINI-1\n", string(out))
			if len(plan.Rewrites) > 0 {
				assertLoadFailsWithoutRewrites(t, plan, host)
			}
		})
	}
}

// assertLoadFailsWithoutRewrites builds the plan without its path rewrites
// and checks that the host then refuses the .so: the rewrites are needed.
func assertLoadFailsWithoutRewrites(t *testing.T, plan *pluginbuild.Plan, host string) {
	t.Helper()
	so := filepath.Join(t.TempDir(), "unrewritten.so")
	var args []string
	for i := 0; i < len(plan.Args); i++ {
		a := plan.Args[i]
		switch {
		case strings.HasPrefix(a, "-gcflags=") || strings.HasPrefix(a, "-asmflags="):
			continue
		case a == "-o":
			args = append(args, a, so)
			i++
			continue
		}
		args = append(args, a)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = plan.Root, append(os.Environ(), plan.Env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	out, err = exec.Command(host, so).CombinedOutput()
	assert.Error(t, err)
	assert.Contains(t, string(out), "plugin was built with a different version of package google.golang.org/protobuf")
}

func TestStaticTraceeIsRefused(t *testing.T) {
	skipIfShort(t, "TestStaticTraceeIsRefused")
	host := buildMiniHost(t, []string{"CGO_ENABLED=0"})
	tg, err := pluginbuild.ReadTarget(host)
	require.NoError(t, err)
	assert.False(t, tg.Linking.Dynamic())

	var stdout, stderr bytes.Buffer
	code := pluginbuild.Main([]string{"-tracee", host, "-dry-run", "-pkg", miniPlugin}, &stdout, &stderr)
	assert.Equal(t, pluginbuild.ExitRefused, code)
	assert.Contains(t, stderr.String(), "tracee is static and cannot load plugins")
	assert.Contains(t, stderr.String(), "CGO_ENABLED=0")
	assert.Empty(t, stdout.String())
}

func TestMainDryRunPrintsThePlan(t *testing.T) {
	skipIfShort(t, "TestMainDryRunPrintsThePlan")
	host := buildMiniHost(t, nil)
	so := filepath.Join(t.TempDir(), "never.so")
	var stdout, stderr bytes.Buffer
	code := pluginbuild.Main([]string{"-tracee", host, "-dry-run", "-pkg", miniPlugin, "-o", so}, &stdout, &stderr)
	require.Equal(t, pluginbuild.ExitOK, code, stderr.String())
	for _, want := range []string{"linking:  dynamic", "pins:       0", "-buildmode=plugin", miniPlugin} {
		assert.Contains(t, stdout.String(), want)
	}
	assert.NoFileExists(t, so, "a dry run builds nothing")
}

func TestMainRefusesWithoutTracee(t *testing.T) {
	t.Setenv("TRACEE_BIN", "")
	var stdout, stderr bytes.Buffer
	code := pluginbuild.Main([]string{"-dry-run"}, &stdout, &stderr)
	assert.Equal(t, pluginbuild.ExitFailed, code)
	assert.Contains(t, stderr.String(), "TRACEE_BIN")
}

func TestMainRejectsBadFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, pluginbuild.ExitUsage, pluginbuild.Main([]string{"-no-such-flag"}, &stdout, &stderr))
	assert.Equal(t, pluginbuild.ExitUsage, pluginbuild.Main([]string{"extra"}, &stdout, &stderr))
}

func TestReadTargetOfANonGoFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "not-go")
	require.NoError(t, os.WriteFile(f, []byte("#!/bin/sh\n"), 0o755))
	_, err := pluginbuild.ReadTarget(f)
	assert.ErrorIs(t, err, pluginbuild.ErrNotGoBinary)
}

func TestGoOnlyPluginLoadsWithoutOPA(t *testing.T) {
	skipIfShort(t, "TestGoOnlyPluginLoadsWithoutOPA")
	host := buildMiniHost(t, nil)
	so := filepath.Join(t.TempDir(), "pidfdsig-go.so")
	plan, err := pluginbuild.NewPlan(context.Background(), pluginbuild.Options{
		TraceeBin: host, Dir: moduleRoot(t), Output: so, GoOnly: true,
	})
	require.NoError(t, err)
	defer plan.Close()
	assert.Contains(t, plan.Args, "-tags="+pluginbuild.GoOnlyTag)
	var log bytes.Buffer
	require.NoError(t, plan.Build(context.Background(), &log, &log), log.String())

	bi, err := buildinfo.ReadFile(so)
	require.NoError(t, err)
	for _, d := range bi.Deps {
		assert.NotContains(t, d.Path, "open-policy-agent", "the go-only plugin links no OPA")
	}
	cmd := exec.Command(host, so)
	cmd.Env = append(os.Environ(), "PIDFDSIG_REGO_DIR="+t.TempDir(), "PIDFDSIG_LIVE=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	assert.Equal(t, wantLoaded(), stdout.String())
	assert.Contains(t, stderr.String(), "pidfdsig plugin: PIDFDSIG_REGO_DIR=")
	assert.Contains(t, stderr.String(), "built without OPA")
}

func TestPlanRewritesAnotherModuleCache(t *testing.T) {
	skipIfShort(t, "TestPlanRewritesAnotherModuleCache")
	local := strings.TrimSpace(goCommand(t, nil, "env", "GOMODCACHE"))
	// A tracee built elsewhere, without -trimpath: its module cache is
	// another directory, filled here from the local one.
	other := t.TempDir()
	host := buildMiniHost(t, []string{"GOMODCACHE=" + other, "GOPROXY=file://" + local + "/cache/download",
		"GOFLAGS=-modcacherw", "GONOSUMDB=*", "GOSUMDB=off"})
	tg, err := pluginbuild.ReadTarget(host)
	require.NoError(t, err)
	require.Equal(t, other, tg.ModCache)

	so := filepath.Join(t.TempDir(), "mini.so")
	plan, err := pluginbuild.NewPlan(context.Background(), pluginbuild.Options{
		TraceeBin: host, Dir: moduleRoot(t), Package: miniPlugin, Output: so,
	})
	require.NoError(t, err)
	defer plan.Close()
	assert.Empty(t, plan.Pins)
	var rewrites []string
	for _, rw := range plan.Rewrites {
		rewrites = append(rewrites, rw.Module+" => "+strings.TrimPrefix(rw.To, other))
	}
	assert.ElementsMatch(t, []string{
		"github.com/aquasecurity/tracee/types => /github.com/aquasecurity/tracee/types@v0.0.0-20251205142631-7dc44bdb801c",
		"google.golang.org/protobuf => /google.golang.org/protobuf@v1.36.11",
	}, rewrites)
	var log bytes.Buffer
	require.NoError(t, plan.Build(context.Background(), &log, &log), log.String())
	out, err := exec.Command(host, so).CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "loaded MINI-1\n", string(out))
}

// TestFullPluginForATraceeMainLikeHost builds the full plugin (with OPA) for
// a host that links OPA's dependencies at Tracee main's versions, several
// of them older than this project's, and loads it. It takes minutes on a
// cold build cache, so it runs only when PIDFDSIG_SLOW_TESTS=1.
func TestFullPluginForATraceeMainLikeHost(t *testing.T) {
	skipIfShort(t, "TestFullPluginForATraceeMainLikeHost")
	if os.Getenv("PIDFDSIG_SLOW_TESTS") != "1" {
		t.Skip("builds OPA with pinned dependencies (minutes): set PIDFDSIG_SLOW_TESTS=1")
	}
	host := filepath.Join(t.TempDir(), "traceemainhost")
	cmd := exec.Command("go", "build", "-mod=mod", "-o", host, ".")
	cmd.Dir = filepath.Join(moduleRoot(t), "pluginbuild", "testdata", "traceemainhost")
	out, err := cmd.CombinedOutput()
	if err != nil && offline(string(out)) {
		t.Skipf("the Go module proxy is out of reach: %s", out)
	}
	require.NoError(t, err, string(out))

	so := filepath.Join(t.TempDir(), "pidfdsig.so")
	plan, err := pluginbuild.NewPlan(context.Background(), pluginbuild.Options{TraceeBin: host, Dir: moduleRoot(t), Output: so})
	require.NoError(t, err)
	defer plan.Close()
	var pinned []string
	for _, p := range plan.Pins {
		pinned = append(pinned, p.Path+"@"+p.ReplaceVersion)
	}
	assert.Subset(t, pinned, []string{"google.golang.org/protobuf@v1.36.10", "sigs.k8s.io/yaml@v1.4.0",
		"github.com/prometheus/client_golang@v1.22.0", "golang.org/x/sys@v0.43.0"})
	var log bytes.Buffer
	require.NoError(t, plan.Build(context.Background(), &log, &log), log.String())
	out, err = exec.Command(host, so).CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, wantLoaded(), loadedLines(string(out)))
}

// wantLoaded is what a stand-in host prints for the plugin's signatures:
// PFD-1 to PFD-6, then the followers of the target tracker.
func wantLoaded() string {
	var b strings.Builder
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&b, "loaded PFD-%d\n", i)
	}
	for _, f := range target.NewFollowers(target.NewTracker()).Followers() {
		m, _ := f.GetMetadata()
		fmt.Fprintf(&b, "loaded %s\n", m.ID)
	}
	return b.String()
}

// loadedLines keeps the "loaded" lines of a host's combined output.
func loadedLines(out string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(l, "loaded ") {
			b.WriteString(l)
		}
	}
	return b.String()
}
