//go:build linux

package rego_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
)

// TestOnlyRegularRuleFilesAreRead: a named pipe, a device or an oversized
// file named *.rego is reported and skipped, without blocking or reading
// it; a symlink to a regular file (as Kubernetes mounts ConfigMaps) loads.
func TestOnlyRegularRuleFilesAreRead(t *testing.T) {
	good := userRule("tracee.GOOD", "GOOD-1", "tracee_match := true")
	tests := []struct {
		name    string
		make    func(t *testing.T, path string)
		refused string // "" when the file loads
	}{
		{"a named pipe", func(t *testing.T, path string) {
			require.NoError(t, syscall.Mkfifo(path, 0o600))
		}, "not a regular file (a named pipe)"},
		{"a symlink to /dev/zero", func(t *testing.T, path string) {
			require.NoError(t, os.Symlink("/dev/zero", path))
		}, "not a regular file (a character device)"},
		{"a file over the size bound", func(t *testing.T, path string) {
			big := good + strings.Repeat("# padding\n", rego.MaxRuleFileSize/10+1)
			require.NoError(t, os.WriteFile(path, []byte(big), 0o600))
		}, "over 1048576"},
		{"a symlink to a regular file", func(t *testing.T, path string) {
			target := filepath.Join(t.TempDir(), "real.rego")
			require.NoError(t, os.WriteFile(target, []byte(userRule("tracee.LINKED", "LINKED-1", "tracee_match := true")), 0o600))
			require.NoError(t, os.Symlink(target, path))
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRules(t, map[string]string{"good.rego": good})
			path := filepath.Join(dir, "x.rego")
			tt.make(t, path)
			for _, root := range []string{dir, path} {
				rt, err := rego.New(patient, rego.WithRuleDirs(root), rego.WithoutEnvironment(), rego.WithoutBuiltinRules())
				require.NoError(t, err)
				if tt.refused == "" {
					assert.Empty(t, rt.LoadErrors())
					assert.Contains(t, ids(t, rt), "LINKED-1")
					continue
				}
				require.Len(t, rt.LoadErrors(), 1)
				e := rt.LoadErrors()[0]
				assert.Equal(t, path, e.File)
				assert.ErrorIs(t, e, rego.ErrFileRefused)
				assert.Contains(t, e.Error(), tt.refused)
				if root == dir {
					assert.Equal(t, []string{"GOOD-1"}, ids(t, rt), "the other files load")
				}
			}
		})
	}
}
