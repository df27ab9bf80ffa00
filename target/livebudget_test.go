package target

import (
	"math"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// budgetCall is one pidfd_send_signal on an fd the stream does not know,
// in TestLiveBudget.
type budgetCall struct {
	probe bool          // sig 0, else SIGKILL
	after time.Duration // how long after the previous call
	asked bool          // the live resolver is asked
}

func TestLiveBudget(t *testing.T) {
	type call = budgetCall
	signal := func(asked bool) call { return call{asked: asked} }
	probe := func(asked bool) call { return call{probe: true, asked: asked} }
	later := func(c call, d time.Duration) call { c.after = d; return c }
	tests := []struct {
		name  string
		opts  []Option
		calls []call
	}{
		{
			name:  "a burst of one second's worth, then nothing until tokens come back",
			opts:  []Option{WithLiveRate(2)},
			calls: []call{signal(true), signal(true), signal(false), later(signal(true), 500*time.Millisecond), signal(false)},
		},
		{
			name: "a flood of probes leaves signals their budget",
			opts: []Option{WithLiveRate(2)},
			calls: []call{probe(true), probe(true), probe(false), probe(false), probe(false),
				signal(true), signal(true), signal(false)},
		},
		{
			name:  "a flood of signals leaves probes theirs",
			opts:  []Option{WithLiveRate(1)},
			calls: []call{signal(true), signal(false), signal(false), probe(true), probe(false)},
		},
		{
			name:  "tokens do not pile up past one second's worth",
			opts:  []Option{WithLiveRate(2)},
			calls: []call{later(signal(true), time.Hour), signal(true), signal(false)},
		},
		{
			name:  "below one per second the burst is one",
			opts:  []Option{WithLiveRate(0.5)},
			calls: []call{signal(true), later(signal(false), time.Second), later(signal(true), time.Second)},
		},
		{
			name:  "no bound",
			opts:  []Option{WithLiveRate(math.Inf(1))},
			calls: []call{signal(true), signal(true), signal(true), probe(true), probe(true)},
		},
		{
			name:  "zero, negative and NaN mean the default",
			opts:  []Option{WithLiveRate(0), WithLiveRate(-3), WithLiveRate(math.NaN())},
			calls: repeatCalls(signal(true), DefaultLiveRate, signal(false)),
		},
		{
			name:  "the default without the option",
			calls: repeatCalls(probe(true), DefaultLiveRate, probe(false)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &stubLive{answer: Target{Source: SourcePidfdInfo, HostPID: 200}}
			var reports []float64
			report := WithOverBudgetReport(func(perSecond float64) { reports = append(reports, perSecond) })
			tr := NewTracker(append(tt.opts, WithLive(stub), report)...)
			now := time.Unix(fakeBoot+1000, 0)
			tr.now = func() time.Time { return now }
			var asked, skipped int
			for i, c := range tt.calls {
				now = now.Add(c.after)
				sig := int32(sigkill)
				if c.probe {
					sig = 0
				}
				evs := []trace.Event{sender.other(), sender.send(6, sig, 0)}
				for k := range evs {
					evs[k].Timestamp = int(now.UnixNano()) - 1000*(len(evs)-k)
					tr.Observe(&evs[k])
				}
				before := stub.calls.Load()
				got := resolveEvent(tr, &evs[1])
				require.Equal(t, c.asked, stub.calls.Load() > before, "call %d", i)
				if c.asked {
					asked++
					assert.Equal(t, int32(200), got.HostPID, "call %d", i)
				} else {
					skipped++
					assert.False(t, got.Known(), "call %d", i)
					assert.Equal(t, reasonFDUnknown+"; "+reasonLiveOverBudget, got.Reason, "call %d", i)
				}
			}
			st := tr.Stats()
			assert.Equal(t, uint64(asked), st.LiveLookups)
			assert.Equal(t, uint64(skipped), st.LiveSkipped)
			if skipped == 0 {
				assert.Empty(t, reports, "no lookup was stopped")
			} else {
				assert.Equal(t, []float64{tr.budget.perSecond}, reports, "the first stopped lookup is reported, once")
			}
		})
	}
}

// repeatCalls is n copies of c, then last.
func repeatCalls(c budgetCall, n int, last budgetCall) []budgetCall {
	out := make([]budgetCall, 0, n+1)
	for range n {
		out = append(out, c)
	}
	return append(out, last)
}
