package pluginbuild_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// moduleRoot returns the directory of the project's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	gomod := strings.TrimSpace(string(out))
	require.NotEmpty(t, gomod, "the tests run inside the module")
	return filepath.Dir(gomod)
}

// goCommand runs the go command in the module root with env added, and
// returns its combined output. A failure to reach the module proxy skips
// the test: it says nothing about the code.
func goCommand(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), "go", args...)
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if offline(out.String()) {
			t.Skipf("the Go module proxy is out of reach: %s", out.String())
		}
		require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out.String())
	}
	return out.String()
}

func offline(output string) bool {
	for _, s := range []string{"dial tcp", "no such host", "connection refused", "i/o timeout", "TLS handshake timeout"} {
		if strings.Contains(output, s) {
			return true
		}
	}
	return false
}

// skipIfShort skips tests that build Go plugins.
func skipIfShort(t *testing.T, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("%s: builds Go plugins, skipped with -short", what)
	}
	if testing.CoverMode() != "" {
		t.Skipf("%s: coverage instruments packages, so a plugin built without it would not load", what)
	}
}
