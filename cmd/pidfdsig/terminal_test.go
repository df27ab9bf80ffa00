package main

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIsTerminal(t *testing.T) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { devNull.Close() })
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { pr.Close(); pw.Close() })
	regular, err := os.Create(t.TempDir() + "/out")
	require.NoError(t, err)
	t.Cleanup(func() { regular.Close() })

	tests := []struct {
		name string
		w    io.Writer
		want bool
	}{
		{"/dev/null, a character device, is not a terminal", devNull, false},
		{"a pipe is not a terminal", pw, false},
		{"a regular file is not a terminal", regular, false},
		{"a buffer is not a terminal", &bytes.Buffer{}, false},
	}
	if ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0); err == nil {
		t.Cleanup(func() { ptmx.Close() })
		tests = append(tests, struct {
			name string
			w    io.Writer
			want bool
		}{"a pseudo-terminal is a terminal", ptmx, true})
	} else {
		t.Logf("SKIPPED LOUDLY: the pseudo-terminal row: open /dev/ptmx: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, isTerminal(tt.w))
		})
	}
}
