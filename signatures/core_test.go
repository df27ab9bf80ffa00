package signatures_test

import (
	"sync"
	"testing"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// allSignatures returns every signature, sharing r.
func allSignatures(t testing.TB, r signatures.Resolver) []detect.Signature {
	t.Helper()
	sigs, err := signatures.New(signatures.DefaultConfig(), signatures.WithResolver(r))
	require.NoError(t, err)
	require.Len(t, sigs, 6)
	return sigs
}

// countingLogger counts the warnings it is given.
type countingLogger struct {
	mu    sync.Mutex
	warns int
}

func (l *countingLogger) Debugw(string, ...interface{}) {}
func (l *countingLogger) Infow(string, ...interface{})  {}
func (l *countingLogger) Errorw(string, ...interface{}) {}
func (l *countingLogger) Warnw(string, ...interface{}) {
	l.mu.Lock()
	l.warns++
	l.mu.Unlock()
}

// statser is implemented by every signature of the package.
type statser interface{ Stats() signatures.Stats }

func TestMetadata(t *testing.T) {
	wantEvent := map[string]string{
		"PFD-1": "pidfd_cross_user_signal",
		"PFD-2": "pidfd_unusual_flags",
		"PFD-3": "pidfd_forged_siginfo",
		"PFD-4": "pidfd_signal_probe",
		"PFD-5": "pidfd_security_tool_kill",
		"PFD-6": "pidfd_container_escape_signal",
	}
	for _, s := range allSignatures(t, &fixedResolver{}) {
		m, err := s.GetMetadata()
		require.NoError(t, err)
		t.Run(m.ID, func(t *testing.T) {
			assert.Equal(t, wantEvent[m.ID], m.EventName)
			assert.Equal(t, "1", m.Version)
			assert.NotEmpty(t, m.Name)
			assert.NotEmpty(t, m.Description)
			sev, ok := m.Properties["Severity"].(int)
			assert.True(t, ok && sev >= 0 && sev <= 4, "Severity %v", m.Properties["Severity"])
			for _, k := range []string{"Category", "Technique", "external_id", "id"} {
				assert.NotEmpty(t, m.Properties[k], k)
			}
			// GetMetadata hands out copies.
			m.Properties["Severity"] = 99
			again, _ := s.GetMetadata()
			assert.Equal(t, sev, again.Properties["Severity"])
		})
	}
}

func TestDisableTools(t *testing.T) {
	s, err := signatures.NewSecurityToolKill(signatures.DefaultConfig(), signatures.WithResolver(&fixedResolver{}))
	require.NoError(t, err)
	m, _ := s.GetMetadata()
	assert.Equal(t, "T1562.001", m.Properties["external_id"])
	assert.Equal(t, "T1685", m.Properties["external_id_v19"], "ATT&CK v19 renumbered Disable or Modify Tools")
}

// companionResolver asks for companion events, one of them a duplicate.
type companionResolver struct{ fixedResolver }

func (companionResolver) SelectedEvents() []string {
	return []string{events.EventPidfdOpen, events.EventPidfdSendSignal, events.EventSchedProcessFork}
}

func TestSelectedEvents(t *testing.T) {
	for name, tc := range map[string]struct {
		r    signatures.Resolver
		want []string
	}{
		"a plain resolver needs pidfd_send_signal only": {&fixedResolver{}, []string{"pidfd_send_signal"}},
		"companion events are added once":               {&companionResolver{}, []string{"pidfd_send_signal", "pidfd_open", "sched_process_fork"}},
	} {
		t.Run(name, func(t *testing.T) {
			for _, s := range allSignatures(t, tc.r) {
				sel, err := s.GetSelectedEvents()
				require.NoError(t, err)
				var names []string
				for _, e := range sel {
					assert.Equal(t, "tracee", e.Source)
					assert.Equal(t, "*", e.Origin)
					names = append(names, e.Name)
				}
				assert.Equal(t, tc.want, names)
			}
		})
	}
}

func TestNewLeavesOutDisabledSignatures(t *testing.T) {
	cfg := signatures.DefaultConfig()
	cfg.Disabled = []string{"PFD-4", "PFD-2"}
	sigs, err := signatures.New(cfg, signatures.WithResolver(&fixedResolver{}))
	require.NoError(t, err)
	var ids []string
	for _, s := range sigs {
		m, _ := s.GetMetadata()
		ids = append(ids, m.ID)
	}
	assert.Equal(t, []string{"PFD-1", "PFD-3", "PFD-5", "PFD-6"}, ids)
}

func TestConstructorsRejectInvalidConfig(t *testing.T) {
	cfg := signatures.DefaultConfig()
	cfg.SignalProbe.Threshold = 0
	_, err := signatures.New(cfg)
	require.ErrorIs(t, err, signatures.ErrConfig)
	for id, c := range constructors {
		_, err := c(cfg)
		require.ErrorIs(t, err, signatures.ErrConfig, id)
	}
}

func TestInitNeedsACallback(t *testing.T) {
	for _, s := range allSignatures(t, &fixedResolver{}) {
		require.Error(t, s.Init(detect.SignatureContext{}))
	}
}

// firingEvent returns an event that PFD-1, -2, -5 and -6 report when the
// target is falco (uid 0, a host process).
func firingEvent() trace.Event {
	// A hostPID container's non-root process killing falco with a
	// process-group scope and an unknown flag bit: PFD-1, -2, -5 and -6.
	sender := inHostPIDCt
	sender.uid = 1666
	return sendEvent(sender, call{pidfd: 3, sig: events.SIGKILL, flags: events.PIDFD_SIGNAL_PROCESS_GROUP}, 1)
}

func TestOnEventBeforeInitAndAfterCloseIsANoOp(t *testing.T) {
	r := &fixedResolver{t: targetOf(falco)}
	for _, s := range allSignatures(t, r) {
		require.NoError(t, s.OnEvent(firingEvent().ToProtocol()), "before Init")
		got := initSig(t, s)
		s.Close()
		require.NoError(t, s.OnEvent(firingEvent().ToProtocol()), "after Close")
		s.Close() // twice is fine
		require.Empty(t, got.list())
	}
}

func TestFiringEventFiresTheExpectedSignatures(t *testing.T) {
	r := &fixedResolver{t: targetOf(falco)}
	fired := map[string]bool{}
	for _, s := range allSignatures(t, r) {
		got := initSig(t, s)
		feed(t, s, firingEvent())
		m, _ := s.GetMetadata()
		fired[m.ID] = len(got.list()) == 1
	}
	assert.Equal(t, map[string]bool{"PFD-1": true, "PFD-2": true, "PFD-3": false, "PFD-4": false, "PFD-5": true, "PFD-6": true}, fired)
}

func TestRobustness(t *testing.T) {
	noArgs := contextEvent(mallory, events.EventPidfdSendSignal, 1)
	garbage := func(args ...interface{}) trace.Event {
		ev := contextEvent(mallory, events.EventPidfdSendSignal, 1)
		for i, name := range []string{"pidfd", "sig", "info", "flags"} {
			ev.Args = append(ev.Args, trace.Argument{ArgMeta: trace.ArgMeta{Name: name}, Value: args[i]})
		}
		return ev
	}
	nilEvent := (*trace.Event)(nil)
	cases := []struct {
		name          string
		event         protocol.Event
		wrongPayload  bool
		parseError    bool
		mayBeReported bool
	}{
		{name: "a nil payload", event: protocol.Event{}, wrongPayload: true},
		{name: "a string payload", event: protocol.Event{Payload: "pidfd_send_signal"}, wrongPayload: true},
		{name: "a map payload", event: protocol.Event{Payload: map[string]interface{}{"eventName": "pidfd_send_signal"}}, wrongPayload: true},
		{name: "a nil *trace.Event", event: protocol.Event{Payload: nilEvent}, wrongPayload: true},
		{name: "a network event", event: protocol.Event{Payload: 42}, wrongPayload: true},
		{name: "no arguments", event: noArgs.ToProtocol(), parseError: true},
		{name: "strings that are not numbers", event: garbage("three", "kill", "0x", "none").ToProtocol(), parseError: true},
		{name: "a fractional number", event: garbage(3.5, 9, 0, 0).ToProtocol(), parseError: true},
		{name: "negative flags", event: garbage(3, 9, 0, -1).ToProtocol(), parseError: true},
		{name: "a pidfd out of range", event: garbage(int64(1)<<40, 9, 0, 0).ToProtocol(), parseError: true},
		{name: "a slice value", event: garbage([]int{3}, 9, 0, 0).ToProtocol(), parseError: true},
		{name: "nil values", event: garbage(nil, nil, nil, nil).ToProtocol(), parseError: true},
		{name: "huge but valid values", event: garbage(int32(-2147483648), int32(2147483647), uint64(1)<<63, uint32(0xffffffff)).ToProtocol(),
			mayBeReported: true},
		{name: "another event without arguments", event: contextEvent(mallory, "sched_process_fork", 1).ToProtocol()},
		{name: "a pointer payload", event: protocol.Event{Payload: &noArgs}, parseError: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range allSignatures(t, &fixedResolver{t: targetOf(falco)}) {
				var log countingLogger
				var got findings
				require.NoError(t, s.Init(detect.SignatureContext{Callback: got.add, Logger: &log}))
				require.NotPanics(t, func() { require.NoError(t, s.OnEvent(tc.event)) })
				st := s.(statser).Stats()
				assert.Equal(t, uint64(1), st.Events)
				assert.Equal(t, b2u(tc.wrongPayload), st.WrongPayloads, "wrong payloads")
				assert.Equal(t, b2u(tc.parseError), st.ParseErrors, "parse errors")
				assert.Equal(t, b2u(tc.wrongPayload || tc.parseError), uint64(log.warns), "warnings")
				if !tc.mayBeReported {
					assert.Empty(t, got.list())
				}
			}
		})
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func TestBadEventsAreLoggedWithBackOff(t *testing.T) {
	s, err := signatures.NewCrossUserSignal(signatures.DefaultConfig(), signatures.WithResolver(&fixedResolver{}))
	require.NoError(t, err)
	var log countingLogger
	require.NoError(t, s.Init(detect.SignatureContext{Callback: func(*detect.Finding) {}, Logger: &log}))
	for i := 0; i < 100; i++ {
		require.NoError(t, s.OnEvent(protocol.Event{Payload: i}))
	}
	assert.Equal(t, uint64(100), s.Stats().WrongPayloads)
	assert.Equal(t, 7, log.warns, "logged at the 1st, 2nd, 4th ... 64th")
}

func TestOnSignalAcceptsSourceComplete(t *testing.T) {
	for _, s := range allSignatures(t, &fixedResolver{}) {
		initSig(t, s)
		require.NoError(t, s.OnSignal(detect.SignalSourceComplete("tracee")))
		require.NoError(t, s.OnSignal(nil))
	}
}

func TestSignaturesOfNewObserveEachEventOnce(t *testing.T) {
	r := resolverFor(nil)
	sigs := allSignatures(t, r)
	for _, s := range sigs {
		initSig(t, s)
	}
	evs := []trace.Event{contextEvent(alice, events.EventPidfdOpen, 1), sendEvent(alice, call{pidfd: 3}, 2)}
	for _, ev := range evs {
		for _, s := range sigs {
			feed(t, s, ev)
		}
	}
	assert.Equal(t, len(evs), r.observed, "one Observe per event")

	// Events without a timestamp cannot be told apart: each is passed on.
	for _, s := range sigs {
		feed(t, s, contextEvent(alice, events.EventClose, 0))
	}
	assert.Equal(t, len(evs)+len(sigs), r.observed)
}

func TestSignaturesBuiltAloneObserveEveryEvent(t *testing.T) {
	r := resolverFor(nil)
	for id, c := range constructors {
		s, err := c(signatures.DefaultConfig(), signatures.WithResolver(r))
		require.NoError(t, err, id)
		initSig(t, s)
		feed(t, s, contextEvent(alice, events.EventPidfdOpen, 1))
	}
	assert.Equal(t, len(constructors), r.observed)
}

func TestCallbackMayCallTheSignature(t *testing.T) {
	s, err := signatures.NewUnusualFlags(signatures.DefaultConfig(), signatures.WithResolver(&fixedResolver{}))
	require.NoError(t, err)
	calls := 0
	require.NoError(t, s.Init(detect.SignatureContext{Callback: func(*detect.Finding) {
		calls++
		s.Close()
	}}))
	feed(t, s, sendEvent(mallory, call{pidfd: 3, sig: events.SIGKILL, flags: 8, result: -22}, 1))
	feed(t, s, sendEvent(mallory, call{pidfd: 3, sig: events.SIGKILL, flags: 8, result: -22}, 2))
	assert.Equal(t, 1, calls, "the callback closed the signature")
}

func TestConcurrentOnEventAndClose(t *testing.T) {
	r := resolverFor(map[int32]target.Target{3: targetOf(falco)})
	for round := 0; round < 5; round++ {
		sigs := allSignatures(t, r)
		var wg sync.WaitGroup
		for _, s := range sigs {
			initSig(t, s)
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 200; i++ {
						_ = s.OnEvent(firingEvent().ToProtocol())
						_ = s.OnEvent(sendEvent(mallory, call{pidfd: int32(10 + i%7), sig: 0, result: -1}, i*1000).ToProtocol())
						_ = s.OnEvent(protocol.Event{Payload: i})
						_ = s.(statser).Stats()
					}
				}()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.Close()
				_ = s.OnEvent(firingEvent().ToProtocol())
			}()
		}
		wg.Wait()
	}
}

// TestSignaturesOfNewReportAsBuiltAlone hands the same events to signatures
// built alone, one after the other, and to signatures built by New, each
// from its own goroutine as a Tracee engine running signatures in parallel
// would: the findings must be the same although the latter share the
// parse of each call. Pairs of events differ only by their arguments (same
// time, thread and name), which the shared parse must tell apart.
func TestSignaturesOfNewReportAsBuiltAlone(t *testing.T) {
	r := resolverFor(map[int32]target.Target{
		3: targetOf(falco), 4: targetOf(aliceChild), 5: targetOf(rootDaemon), 6: targetOf(nginx),
	})
	senders := []proc{mallory, alice, rootShell, inHostPIDCt, aliceGo}
	calls := []call{
		{pidfd: 3, sig: events.SIGKILL},
		{pidfd: 4, sig: 0, result: -1},
		{pidfd: 5, sig: events.SIGTERM, result: -1},
		{pidfd: 6, sig: events.SIGUSR1, flags: 8, result: -22},
		{pidfd: 3, sig: events.SIGUSR1, info: 0x7ffd0000, result: -1},
		{pidfd: 4, sig: events.SIGSTOP, flags: events.PIDFD_SIGNAL_PROCESS_GROUP},
		{pidfd: 6, sig: 0, result: -1},
	}
	var evs []protocol.Event
	for i := 0; i < 400; i++ {
		ev := sendEvent(senders[(i/2)%len(senders)], calls[i%len(calls)], 1000+i/2)
		evs = append(evs, ev.ToProtocol())
		if i%5 == 0 {
			evs = append(evs, contextEvent(alice, events.EventClose, 1000+i/2).ToProtocol())
		}
	}

	want := map[string][]*detect.Finding{}
	total := 0
	for id, c := range constructors {
		s, err := c(signatures.DefaultConfig(), signatures.WithResolver(r))
		require.NoError(t, err)
		got := initSig(t, s)
		for _, ev := range evs {
			require.NoError(t, s.OnEvent(ev))
		}
		want[id] = got.list()
		total += len(want[id])
	}
	require.NotZero(t, total, "the events fire some signatures")

	for round := 0; round < 3; round++ {
		sigs := allSignatures(t, r)
		got := make([]*findings, len(sigs))
		for i, s := range sigs {
			got[i] = initSig(t, s)
		}
		var wg sync.WaitGroup
		for _, s := range sigs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, ev := range evs {
					_ = s.OnEvent(ev)
				}
			}()
		}
		wg.Wait()
		for i, s := range sigs {
			m, _ := s.GetMetadata()
			require.Equal(t, want[m.ID], got[i].list(), "%s, round %d", m.ID, round)
		}
	}
}
