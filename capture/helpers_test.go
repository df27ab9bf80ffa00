package capture

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	legacySample = "tracee-v0.24.1-trigger"
	protoSample  = "tracee-main-trigger"
)

// samplePath returns the path of a file among the real Tracee captures.
func samplePath(name string) string {
	return filepath.Join("..", "testdata", "tracee-samples", name)
}

// sampleLines returns the lines of a sample capture, without newlines.
func sampleLines(tb testing.TB, capture string) [][]byte {
	tb.Helper()
	data, err := os.ReadFile(samplePath(capture + ".jsonl"))
	require.NoError(tb, err)
	return bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
}

// joinLines makes a stream of lines, each ended by a newline.
func joinLines(lines ...[]byte) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// repeatReader yields data over and over, up to limit bytes in all (no
// limit when limit is negative), without holding more than data in memory.
type repeatReader struct {
	data  []byte
	off   int
	limit int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.limit == 0 {
		return 0, io.EOF
	}
	if r.limit > 0 && int64(len(p)) > r.limit {
		p = p[:r.limit]
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.data[r.off:])
		n += c
		r.off = (r.off + c) % len(r.data)
	}
	if r.limit > 0 {
		r.limit -= int64(n)
	}
	return n, nil
}
