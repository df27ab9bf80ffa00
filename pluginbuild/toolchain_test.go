package pluginbuild

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestToolchainSwitch(t *testing.T) {
	tests := []struct {
		goToolchain string
		tracee      string
		canSwitch   bool
		release     bool
	}{
		{"auto", "go1.24.9", true, true},
		{"go1.26.8+auto", "go1.26rc1", true, true},
		{"local", "go1.24.9", false, true},
		{"go1.26.8+path", "go1.24.9", false, true},
		{"go1.26.8", "devel go1.27-abcdef", false, false},
		{"auto", "go1.", true, false},
		{"auto", "gccgo", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.goToolchain+" "+tt.tracee, func(t *testing.T) {
			assert.Equal(t, tt.canSwitch, Toolchain{GOTOOLCHAIN: tt.goToolchain}.CanSwitch())
			assert.Equal(t, tt.release, goRelease(tt.tracee))
		})
	}
}
