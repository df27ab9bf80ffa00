package signatures

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestProbeWindows(t *testing.T) {
	const sec = int64(time.Second)
	cfg := SignalProbeConfig{Threshold: 3, Window: Duration(10 * time.Second), MaxSenders: 2, MaxTargetsPerSender: 3}
	type probe struct {
		sender, target string
		at             int64
	}
	tests := []struct {
		name     string
		probes   []probe
		complete []bool
		senders  int
	}{
		{"three distinct targets within the window complete a pattern",
			[]probe{{"a", "t1", 1 * sec}, {"a", "t2", 2 * sec}, {"a", "t3", 3 * sec}},
			[]bool{false, false, true}, 1},
		{"probing the same target again does not count twice",
			[]probe{{"a", "t1", 1 * sec}, {"a", "t1", 2 * sec}, {"a", "t2", 3 * sec}},
			[]bool{false, false, false}, 1},
		{"targets older than the window are forgotten",
			[]probe{{"a", "t1", 1 * sec}, {"a", "t2", 2 * sec}, {"a", "t3", 20 * sec}},
			[]bool{false, false, false}, 1},
		{"a sender is quiet for one window after a finding",
			[]probe{{"a", "t1", 1 * sec}, {"a", "t2", 2 * sec}, {"a", "t3", 3 * sec}, {"a", "t4", 4 * sec}, {"a", "t5", 5 * sec}, {"a", "t6", 6 * sec}},
			[]bool{false, false, true, false, false, false}, 1},
		{"senders are counted apart",
			[]probe{{"a", "t1", 1 * sec}, {"b", "t2", 2 * sec}, {"a", "t3", 3 * sec}},
			[]bool{false, false, false}, 2},
		{"a third sender evicts the least recently seen one",
			[]probe{{"a", "t1", 1 * sec}, {"a", "t2", 2 * sec}, {"b", "t1", 3 * sec}, {"c", "t1", 4 * sec}, {"a", "t3", 5 * sec}},
			[]bool{false, false, false, false, false}, 2},
		{"on a tie the earliest created sender is evicted",
			[]probe{{"a", "t1", 1 * sec}, {"b", "t1", 1 * sec}, {"c", "t1", 1 * sec}, {"b", "t2", 2 * sec}, {"b", "t3", 3 * sec}},
			[]bool{false, false, false, false, true}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewProbeWindows[string, string](cfg)
			for i, p := range tt.probes {
				pids, ok := w.Record(p.sender, p.target, int32(100+i), p.at)
				assert.Equal(t, tt.complete[i], ok, "probe %d", i)
				if ok {
					assert.Len(t, pids, cfg.Threshold)
				}
			}
			assert.Equal(t, tt.senders, w.Senders())
			w.Reset()
			assert.Zero(t, w.Senders())
		})
	}
}

func TestProbeWindowsKeepsAtMostTheTargetLimit(t *testing.T) {
	cfg := SignalProbeConfig{Threshold: 10, Window: Duration(time.Hour), MaxSenders: 1, MaxTargetsPerSender: 4}
	w := NewProbeWindows[int, int](cfg)
	for i := range 100 {
		_, ok := w.Record(1, i, int32(i), int64(i))
		assert.False(t, ok, "four remembered targets never reach a threshold of ten")
	}
	assert.Len(t, w.senders[1].targets, 4)
}
