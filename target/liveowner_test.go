package target

import (
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLiveOwnerIsKept(t *testing.T) {
	now := time.Unix(fakeBoot+1000, 0)
	liveVictim := Target{Source: SourcePidfdInfo, HostPID: 200, UIDKnown: true, UID: 1000,
		CredsKnown: true, EUID: 1001, SUID: 1002, Comm: "victim", Exe: "/usr/bin/victim"}
	type step struct {
		ev        trace.Event
		resolve   bool // resolve ev (a pidfd_send_signal)
		wantAsked bool // the live resolver is asked for it
		want      func(*testing.T, Target)
	}
	owner := func(uid, euid uint32) func(*testing.T, Target) {
		return func(t *testing.T, got Target) {
			require.True(t, got.Known(), got.Reason)
			assert.Equal(t, int32(200), got.HostPID)
			assert.True(t, got.UIDKnown)
			assert.Equal(t, uid, got.UID)
			assert.True(t, got.CredsKnown)
			assert.Equal(t, euid, got.EUID)
			assert.Equal(t, "victim", got.Comm)
		}
	}
	tests := []struct {
		name  string
		opts  []Option
		steps []step
	}{
		{
			name: "the second call on a process first seen through pidfd_open needs no lookup",
			steps: []step{
				{ev: sender.pidfdOpen(200, 0, 3)},
				{ev: sender.send(3, sigkill, 0), resolve: true, wantAsked: true, want: owner(1000, 1001)},
				{ev: sender.send(3, sigterm, 0), resolve: true, want: func(t *testing.T, got Target) {
					owner(1000, 1001)(t, got)
					assert.Equal(t, SourceTracked, got.Source, "answered from the record")
					assert.Equal(t, "/usr/bin/victim", got.Exe)
				}},
			},
		},
		{
			name: "another fd on the same process needs no lookup either",
			steps: []step{
				{ev: sender.pidfdOpen(200, 0, 3)},
				{ev: sender.send(3, sigkill, 0), resolve: true, wantAsked: true, want: owner(1000, 1001)},
				{ev: sender.pidfdOpen(200, 0, 4)},
				{ev: sender.send(4, 0, 0), resolve: true, want: owner(1000, 1001)},
			},
		},
		{
			name: "a later credential change of the process wins over what was learned",
			steps: []step{
				{ev: sender.pidfdOpen(200, 0, 3)},
				{ev: sender.send(3, sigkill, 0), resolve: true, wantAsked: true, want: owner(1000, 1001)},
				{ev: victim.setresuid(2000, 2000, 2000)},
				{ev: sender.send(3, sigkill, 0), resolve: true, want: owner(2000, 2000)},
			},
		},
		{
			name: "nothing is learned from a lookup the budget stopped",
			opts: []Option{WithLiveRate(1)},
			steps: []step{
				{ev: sender.pidfdOpen(300, 0, 5)},
				{ev: sender.send(5, sigkill, 0), resolve: true, wantAsked: true},
				{ev: sender.pidfdOpen(200, 0, 3)},
				{ev: sender.send(3, sigkill, 0), resolve: true, want: func(t *testing.T, got Target) {
					assert.False(t, got.UIDKnown, "the budget stopped the lookup")
				}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &stubLive{answer: liveVictim}
			tr := NewTracker(append(tt.opts, WithLive(stub))...)
			tr.now = func() time.Time { return now }
			for i := range tt.steps {
				st := &tt.steps[i]
				st.ev.Timestamp = int(now.UnixNano()) - 1000*(len(tt.steps)-i)
				tr.Observe(&st.ev)
				if !st.resolve {
					continue
				}
				before := stub.calls.Load()
				got := resolveEvent(tr, &st.ev)
				assert.Equal(t, st.wantAsked, stub.calls.Load() > before, "step %d asks live", i)
				if st.want != nil {
					st.want(t, got)
				}
			}
		})
	}
}
