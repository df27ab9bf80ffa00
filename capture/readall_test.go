package capture

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadAll(t *testing.T) {
	good := sampleLines(t, legacySample)
	tests := []struct {
		name     string
		input    string
		events   int
		badLines []int
	}{
		{"a whole capture", string(joinLines(good...)), len(good), nil},
		{"bad lines are returned and skipped", string(joinLines(good[0], []byte("{not json"), good[1], []byte("[]"))), 2, []int{2, 4}},
		{"empty", "", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, bad, err := ReadAll(strings.NewReader(tt.input))
			require.NoError(t, err)
			assert.Len(t, evs, tt.events)
			var lines []int
			for _, b := range bad {
				lines = append(lines, b.Line)
			}
			assert.Equal(t, tt.badLines, lines)
		})
	}
}

func TestReadAllReturnsAReaderFailure(t *testing.T) {
	failure := errors.New("disk gone")
	_, _, err := ReadAll(iotest.ErrReader(failure))
	assert.ErrorIs(t, err, failure)
}
