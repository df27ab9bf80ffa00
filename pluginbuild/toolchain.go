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
	// GOTOOLCHAIN is `go env GOTOOLCHAIN`: "auto" (or "VERSION+auto")
	// lets the go command fetch another toolchain.
	GOTOOLCHAIN string
}

// CanSwitch reports whether the go command may fetch and run another
// toolchain: GOTOOLCHAIN is "auto" or ends in "+auto".
func (tc Toolchain) CanSwitch() bool {
	return tc.GOTOOLCHAIN == "auto" || strings.HasSuffix(tc.GOTOOLCHAIN, "+auto")
}

// LocalToolchain runs `go env` (goCmd, "go" when empty) in dir with env
// (the process environment when nil) and returns what it reports.
func LocalToolchain(ctx context.Context, goCmd, dir string, env []string) (Toolchain, error) {
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(ctx, goCmd, "env", "-json",
		"GOVERSION", "GOROOT", "GOOS", "GOARCH", "GOHOSTOS", "GOHOSTARCH",
		"GOMODCACHE", "GOMOD", "CC", "CGO_ENABLED", "GOTOOLCHAIN")
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
		// The field name is the variable's.
		GOTOOLCHAIN: v["GOTOOLCHAIN"],
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
