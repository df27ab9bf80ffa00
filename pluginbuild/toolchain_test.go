package pluginbuild

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestToolchainSwitch(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		tracee  string
		fetch   bool
		release bool
	}{
		{"unset: go.env's default does not forbid", []string{"HOME=/root"}, "go1.24.9", true, true},
		{"auto", []string{"GOTOOLCHAIN=auto"}, "go1.24.9", true, true},
		{"VERSION+auto", []string{"GOTOOLCHAIN=go1.26.8+auto"}, "go1.26rc1", true, true},
		{"empty", []string{"GOTOOLCHAIN="}, "go1.24.9", true, true},
		{"local forbids", []string{"GOTOOLCHAIN=local"}, "go1.24.9", false, true},
		{"the last value wins", []string{"GOTOOLCHAIN=auto", "GOTOOLCHAIN=local"}, "go1.24.9", false, true},
		{"VERSION+path forbids", []string{"GOTOOLCHAIN=go1.26.8+path"}, "go1.24.9", false, true},
		{"a devel tracee is no release", nil, "devel go1.27-abcdef", true, false},
		{"a truncated version is no release", nil, "go1.", true, false},
		{"gccgo is no release", nil, "gccgo", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.fetch, mayFetchToolchain(tt.env))
			assert.Equal(t, tt.release, goRelease(tt.tracee))
		})
	}
}
