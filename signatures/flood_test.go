package signatures_test

import (
	"testing"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// pidfdOpenEvent returns a successful pidfd_open(pid, 0) made by p, which
// returned fd.
func pidfdOpenEvent(p proc, pid int32, fd int, ts int) trace.Event {
	ev := contextEvent(p, events.EventPidfdOpen, ts)
	ev.ReturnValue = fd
	ev.Args = []trace.Argument{
		{ArgMeta: trace.ArgMeta{Name: "pid", Type: "int32"}, Value: pid},
		{ArgMeta: trace.ArgMeta{Name: "flags", Type: "uint32"}, Value: uint32(0)},
	}
	ev.ArgsNum = len(ev.Args)
	return ev
}

// TestCrossUserSignalSurvivesATrackerFlood is issue 14's reproduction:
// one victim seen once (uid 1001), N pidfd_open calls to other targets,
// then uid 1666 opens a pidfd to the victim and sends SIGKILL. One more
// pidfd than the tracker's fd bound used to evict the victim's record and
// silence PFD-1.
func TestCrossUserSignalSurvivesATrackerFlood(t *testing.T) {
	victim := proc{hostPID: 2200, pid: 2200, uid: 1001, comm: "victim", exe: "/usr/bin/victim", pidNS: hostPidNS, entity: 2200}
	flooder := proc{hostPID: 6700, pid: 6700, uid: 1666, comm: "flood", exe: "/tmp/flood", pidNS: hostPidNS, entity: 6700}
	tests := []struct {
		name  string
		flood int
	}{
		{"without a flood", 0},
		{"after as many pidfds as the tracker keeps", target.DefaultMaxFDs},
		{"after one pidfd more than the tracker keeps", target.DefaultMaxFDs + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := signatures.NewCrossUserSignal(signatures.DefaultConfig(), signatures.WithResolver(target.NewTracker()))
			require.NoError(t, err)
			got := initSig(t, sig)
			ts := 1_000_000
			next := func() int { ts += 1000; return ts }
			feed(t, sig, contextEvent(victim, events.EventSchedProcessExec, next()))
			for i := 0; i < tt.flood; i++ {
				// Two targets, so the flood's pids are live processes the
				// kernel let it open.
				ev := pidfdOpenEvent(flooder, int32(3000+i%2), 3+i, next())
				require.NoError(t, sig.OnEvent(ev.ToProtocol()))
			}
			feed(t, sig,
				pidfdOpenEvent(mallory, int32(victim.hostPID), 5, next()),
				sendEvent(mallory, call{pidfd: 5, sig: events.SIGKILL}, next()),
			)
			require.Len(t, got.list(), 1, "one PFD-1 finding")
			f := got.list()[0]
			assert.Equal(t, signatures.IDCrossUserSignal, f.SigMetadata.ID)
			tg, ok := f.Data[signatures.DataTarget].(signatures.DataObject)
			require.True(t, ok, "the finding names its target")
			assert.Equal(t, "tracked", tg["source"])
			assert.EqualValues(t, victim.hostPID, tg["host_pid"])
			assert.EqualValues(t, victim.uid, tg["uid"])
		})
	}
}
