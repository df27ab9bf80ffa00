package pluginbuild

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
)

// Toolchain is the local Go toolchain, as `go env` reports it in the
// environment the build will run in.
type Toolchain struct {
	// GoVersion is `go env GOVERSION`, possibly with an experiments suffix.
	GoVersion  string
	GOROOT     string
	GOOS       string
	GOARCH     string
	GOHOSTOS   string
	GOHOSTARCH string
	GOMODCACHE string
	// GOMOD is the go.mod of the module in the directory `go env` ran in.
	GOMOD      string
	CC         string
	CgoEnabled bool
}

// mayFetchToolchain reports whether the plan may have the go command
// fetch tracee's Go release: unless the environment sets GOTOOLCHAIN to
// something other than "auto" or "VERSION+auto". A "local" that comes
// only from the Go installation's defaults (go.env) does not forbid it:
// a plugin loads only when built by tracee's exact release, so building
// for that tracee asks for it.
func mayFetchToolchain(env []string) bool {
	v, set := lookupEnv(env, "GOTOOLCHAIN")
	return !set || v == "" || v == "auto" || strings.HasSuffix(v, "+auto")
}

// lookupEnv returns the last value of key in env.
func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}

// LocalToolchain runs `go env` (goCmd, "go" when empty) in dir with env
// (the process environment when nil) and returns what it reports.
func LocalToolchain(ctx context.Context, goCmd, dir string, env []string) (Toolchain, error) {
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(ctx, goCmd, "env", "-json",
		"GOVERSION", "GOROOT", "GOOS", "GOARCH", "GOHOSTOS", "GOHOSTARCH",
		"GOMODCACHE", "GOMOD", "CC", "CGO_ENABLED")
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return Toolchain{}, fmt.Errorf("%s env: %w: %s", goCmd, err, bytes.TrimSpace(stderr.Bytes()))
	}
	var v map[string]string
	if err := json.Unmarshal(out, &v); err != nil {
		return Toolchain{}, fmt.Errorf("%s env: %w", goCmd, err)
	}
	return Toolchain{
		GoVersion:  v["GOVERSION"],
		GOROOT:     v["GOROOT"],
		GOOS:       v["GOOS"],
		GOARCH:     v["GOARCH"],
		GOHOSTOS:   v["GOHOSTOS"],
		GOHOSTARCH: v["GOHOSTARCH"],
		GOMODCACHE: v["GOMODCACHE"],
		GOMOD:      v["GOMOD"],
		CC:         v["CC"],
		CgoEnabled: v["CGO_ENABLED"] == "1",
	}, nil
}

// checkExperiment asks the toolchain whether it accepts GOEXPERIMENT=exp.
func checkExperiment(ctx context.Context, goCmd, dir string, env []string, exp string) error {
	cmd := exec.CommandContext(ctx, goCmd, "env", "GOEXPERIMENT")
	cmd.Dir = dir
	cmd.Env = append(append([]string(nil), env...), "GOEXPERIMENT="+exp)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s", bytes.TrimSpace(out))
	}
	return nil
}
