package signatures

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

// countingResolver resolves every call to one target and counts what it
// is asked.
type countingResolver struct {
	target   target.Target
	observed atomic.Int64
	resolved atomic.Int64
}

func (r *countingResolver) Observe(*trace.Event) { r.observed.Add(1) }

func (r *countingResolver) Resolve(*trace.Event, *events.SendSignal) target.Target {
	r.resolved.Add(1)
	return r.target
}

// rootCron is a target of another user than sharedSender.
var rootCron = target.Target{Source: target.SourceTracked, HostPID: 800, PID: 800, UIDKnown: true, UID: 0, Comm: "cron", Exe: "/usr/sbin/cron"}

// sharedEvent returns a pidfd_send_signal event (or, with name, another
// event) of uid 1000 at time ts.
func sharedEvent(ts int, uid int, sig events.Signal, result int) trace.Event {
	return trace.Event{
		Timestamp: ts, HostProcessID: 2100, HostThreadID: 2100, ProcessID: 2100, ThreadID: 2100,
		UserID: uid, ProcessName: "mydaemon", EventName: events.EventPidfdSendSignal, ReturnValue: result,
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: events.ArgPidFD, Type: "int32"}, Value: int32(3)},
			{ArgMeta: trace.ArgMeta{Name: events.ArgSig, Type: "int32"}, Value: int32(sig)},
			{ArgMeta: trace.ArgMeta{Name: events.ArgInfo, Type: "trace.Pointer"}, Value: trace.Pointer(0)},
			{ArgMeta: trace.ArgMeta{Name: events.ArgFlags, Type: "uint32"}, Value: uint32(0)},
		},
	}
}

// sharedSignatures returns the six signatures New builds around r, started,
// with the findings they report.
func sharedSignatures(t *testing.T, r Resolver) ([]detect.Signature, *[]*detect.Finding) {
	t.Helper()
	sigs, err := New(DefaultConfig(), WithResolver(r))
	require.NoError(t, err)
	var mu sync.Mutex
	found := &[]*detect.Finding{}
	for _, s := range sigs {
		require.NoError(t, s.Init(detect.SignatureContext{Callback: func(f *detect.Finding) {
			mu.Lock()
			defer mu.Unlock()
			*found = append(*found, f)
		}}))
	}
	return sigs, found
}

// coreOf returns the core of a signature of this package.
func coreOf(s detect.Signature) *core {
	switch x := s.(type) {
	case *CrossUserSignal:
		return &x.core
	case *UnusualFlags:
		return &x.core
	case *ForgedSiginfo:
		return &x.core
	case *SignalProbe:
		return &x.core
	case *SecurityToolKill:
		return &x.core
	case *ContainerEscapeSignal:
		return &x.core
	}
	panic("not a pidfdsig signature")
}

// TestSharedWork checks what the signatures built by New share per event:
// one Observe, one Resolve however many rules want the call, and the
// lock-free dismissal of the signatures whose rule has nothing to do with
// the event, only when the event comes in one box for all (Tracee's way)
// and can be told from others.
func TestSharedWork(t *testing.T) {
	kill := sharedEvent(10, 1000, events.SIGTERM, 0) // PFD-1 and PFD-5 candidates
	probe := sharedEvent(11, 0, 0, 0)                // root's probe: no candidate
	open := trace.Event{Timestamp: 12, HostProcessID: 2100, HostThreadID: 2100, EventName: events.EventPidfdOpen}
	handBuilt := sharedEvent(0, 0, 0, 0)
	broken := sharedEvent(13, 1000, events.SIGTERM, 0)
	broken.Args = broken.Args[:1]

	tests := []struct {
		name          string
		event         trace.Event
		boxPerEach    bool
		wantDismissed int // signatures that returned without the lock
		wantResolved  int64
		wantObserved  int64
		wantFindings  []string
		wantCalls     uint64 // per signature
		wantErrors    uint64 // parse errors per signature
	}{
		{name: "a call two rules want", event: kill, wantDismissed: 4, wantResolved: 1, wantObserved: 1,
			wantFindings: []string{IDCrossUserSignal}, wantCalls: 1},
		{name: "a call no rule wants", event: probe, wantDismissed: 5, wantObserved: 1, wantCalls: 1},
		{name: "a companion event", event: open, wantDismissed: 5, wantObserved: 1},
		{name: "one box per signature", event: kill, boxPerEach: true, wantResolved: 1, wantObserved: 1,
			wantFindings: []string{IDCrossUserSignal}, wantCalls: 1},
		{name: "an event without a timestamp", event: handBuilt, wantObserved: 6, wantCalls: 1},
		{name: "a call that does not parse", event: broken, wantObserved: 1, wantErrors: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &countingResolver{target: rootCron}
			sigs, found := sharedSignatures(t, r)
			pe := tt.event.ToProtocol()
			for _, s := range sigs {
				if tt.boxPerEach {
					pe = tt.event.ToProtocol()
				}
				require.NoError(t, s.OnEvent(pe))
			}
			dismissed := 0
			for _, s := range sigs {
				c := coreOf(s)
				dismissed += int(c.dismissedCalls.Load() + c.dismissedOther.Load())
				st := c.Stats()
				assert.Equal(t, uint64(1), st.Events, "%s: events", c.meta.ID)
				assert.Equal(t, tt.wantCalls, st.Calls, "%s: calls", c.meta.ID)
				assert.Equal(t, tt.wantErrors, st.ParseErrors, "%s: parse errors", c.meta.ID)
			}
			assert.Equal(t, tt.wantDismissed, dismissed, "signatures dismissed without the lock")
			assert.Equal(t, tt.wantObserved, r.observed.Load(), "Observe calls")
			assert.Equal(t, tt.wantResolved, r.resolved.Load(), "Resolve calls")
			var ids []string
			for _, f := range *found {
				ids = append(ids, f.SigMetadata.ID)
			}
			assert.Equal(t, tt.wantFindings, ids)
		})
	}
}

// TestSharedWorkConcurrent hands events to the six signatures from several
// goroutines at once, each event in one box for all: no signature may be
// dismissed on another event's verdicts (every call is PFD-1's, so PFD-1
// must report each), and every delivery is counted. Run it with -race.
func TestSharedWorkConcurrent(t *testing.T) {
	const workers, perWorker = 4, 500
	r := &countingResolver{target: rootCron}
	sigs, found := sharedSignatures(t, r)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				ts := 1 + w*perWorker + i
				// Every other event is a probe no rule wants, so that
				// verdict sets with and without PFD-1's bit alternate.
				var pe protocol.Event
				if i%2 == 0 {
					pe = sharedEvent(ts, 1000, events.SIGTERM, 0).ToProtocol()
				} else {
					pe = sharedEvent(ts, 0, 0, 0).ToProtocol()
				}
				for _, s := range sigs {
					_ = s.OnEvent(pe)
				}
			}
		}()
	}
	wg.Wait()
	kills := 0
	for _, f := range *found {
		require.Equal(t, IDCrossUserSignal, f.SigMetadata.ID)
		kills++
	}
	assert.Equal(t, workers*perWorker/2, kills, "PFD-1 findings: one per cross-user kill")
	for _, s := range sigs {
		st := coreOf(s).Stats()
		assert.Equal(t, uint64(workers*perWorker), st.Events, "%s: events", coreOf(s).meta.ID)
		assert.Equal(t, uint64(workers*perWorker), st.Calls, "%s: calls", coreOf(s).meta.ID)
	}
}

// TestPublishedLookup checks the published record on its own: a lookup
// finds only the event stored last, by its box, and nothing after clear.
func TestPublishedLookup(t *testing.T) {
	a, b := &trace.Event{Timestamp: 1}, &trace.Event{Timestamp: 1}
	var p published
	_, ok := p.lookup(a)
	assert.False(t, ok, "nothing stored yet")
	p.store(a, isCallVerdict|1<<2)
	v, ok := p.lookup(a)
	assert.True(t, ok)
	assert.Equal(t, isCallVerdict|1<<2, v)
	_, ok = p.lookup(b)
	assert.False(t, ok, "an equal event in another box is another event")
	p.clear()
	_, ok = p.lookup(a)
	assert.False(t, ok, "cleared")
}
