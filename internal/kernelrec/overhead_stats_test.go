//go:build linux

package kernelrec

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseProcStatCPU(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    time.Duration
		wantErr string
	}{
		{name: "plain", line: "4242 (tracee) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 12 0",
			want: 3250 * time.Millisecond},
		{name: "command with spaces and parentheses", line: "7 (a) (b c)) R 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0",
			want: 30 * time.Millisecond},
		{name: "no command", line: "7 a R 1", wantErr: "no command name"},
		{name: "too short", line: "7 (a) R 1 2 3", wantErr: "fields after the command name"},
		{name: "not a number", line: "7 (a) R 1 7 7 0 -1 0 0 0 0 0 x 2 0", wantErr: "bad CPU time"},
		{name: "negative", line: "7 (a) R 1 7 7 0 -1 0 0 0 0 0 -1 2 0", wantErr: "bad CPU time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStatCPU(tt.line)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestProcessCPUOfThisProcess reads this process's own CPU time, which a
// busy loop must raise.
func TestProcessCPUOfThisProcess(t *testing.T) {
	raw := func() time.Duration {
		d, err := readProcessCPU(os.Getpid())
		require.NoError(t, err)
		return d
	}
	before := raw()
	x := 0
	for start := time.Now(); time.Since(start) < 300*time.Millisecond; {
		x++
	}
	assert.Greater(t, raw(), before, "a 300 ms busy loop raised this process's CPU time (%d turns)", x)
}

func TestMeanCI95(t *testing.T) {
	tests := []struct {
		name           string
		xs             []float64
		mean, half, sd float64
	}{
		{name: "one value", xs: []float64{1.02}, mean: 1.02},
		{name: "two values", xs: []float64{1, 1.1}, mean: 1.05, sd: 0.0707107, half: 12.706 * 0.0707107 / 1.4142136},
		{name: "five values", xs: []float64{0.98, 1.01, 1.0, 1.03, 0.98}, mean: 1.0, sd: 0.0212132, half: 2.776 * 0.0212132 / 2.2360680},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mean, half := meanCI95(tt.xs)
			_, sd := meanSD(tt.xs)
			assert.InDelta(t, tt.mean, mean, 1e-6)
			assert.InDelta(t, tt.sd, sd, 1e-6)
			assert.InDelta(t, tt.half, half, 1e-6)
		})
	}
	assert.InDelta(t, 1.96, studentT95(100), 1e-9)
}
