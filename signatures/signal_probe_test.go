package signatures_test

import (
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

const sec = int(time.Second)

// foreignTargets returns n targets owned by uid 1001, on fds 10, 11, ...
func foreignTargets(n int) map[int32]target.Target {
	m := make(map[int32]target.Target, n)
	for i := 0; i < n; i++ {
		p := bobService
		p.hostPID += i
		m[int32(10+i)] = targetOf(p)
	}
	return m
}

// probes returns one signal-0 call by p to each fd in fds, step ns apart,
// with the given result.
func probes(p proc, fds []int32, start, step, result int) []trace.Event {
	evs := make([]trace.Event, len(fds))
	for i, fd := range fds {
		evs[i] = sendEvent(p, call{pidfd: fd, sig: 0, result: result}, start+i*step)
	}
	return evs
}

func fdRange(from, n int32) []int32 {
	fds := make([]int32, n)
	for i := range fds {
		fds[i] = from + int32(i)
	}
	return fds
}

func TestSignalProbe(t *testing.T) {
	cases := []struct {
		name    string
		events  []trace.Event
		targets map[int32]target.Target
		config  func(*signatures.Config)
		want    int // findings
	}{
		{name: "five foreign targets within the window are reported once",
			events: probes(mallory, fdRange(10, 5), sec, sec, 0), targets: foreignTargets(5), want: 1},
		{name: "EPERM answers count even when the tracker does not know the targets",
			events: probes(mallory, fdRange(10, 5), sec, sec, -1), targets: nil, want: 1},
		{name: "four foreign targets stay under the threshold",
			events: probes(mallory, fdRange(10, 4), sec, sec, 0), targets: foreignTargets(4)},
		{name: "five probes spread over more than the window are not reported",
			events: probes(mallory, fdRange(10, 5), sec, 3*sec, 0), targets: foreignTargets(5)},
		{name: "probing one target again and again counts once",
			events: probes(mallory, []int32{10, 10, 10, 10, 10, 10}, sec, sec/10, 0), targets: foreignTargets(1)},
		{name: "a scanner is reported once per window",
			events: probes(mallory, fdRange(10, 12), sec, sec/10, -1), want: 1},
		{name: "a scanner going on after the quiet window is reported again",
			events: append(probes(mallory, fdRange(10, 5), sec, sec/10, -1), probes(mallory, fdRange(20, 5), 20*sec, sec/10, -1)...),
			want:   2},
		{name: "a lower threshold is honoured",
			events: probes(mallory, fdRange(10, 2), sec, sec, -1), want: 1,
			config: func(c *signatures.Config) { c.SignalProbe.Threshold = 2 }},
		{name: "root senders count when configured",
			events: probes(rootShell, fdRange(10, 5), sec, sec, 0), targets: foreignTargets(5), want: 1,
			config: func(c *signatures.Config) { c.SignalProbe.IncludeRootSenders = true }},

		// Benign look-alikes.
		{name: "the Go runtime's self-probe never counts",
			events:  probes(aliceGo, []int32{3, 3, 3, 3, 3, 3}, sec, sec/10, 0),
			targets: map[int32]target.Target{3: self(aliceGo)}},
		{name: "PIDFD_SELF probes never count",
			events: probes(aliceGo, []int32{int32(events.PIDFD_SELF_THREAD_GROUP), int32(events.PIDFD_SELF_THREAD)}, sec, sec/10, 0),
			config: func(c *signatures.Config) { c.SignalProbe.Threshold = 1 }},
		{name: "probing one's own processes is not discovery",
			events: probes(alice, fdRange(10, 5), sec, sec/10, 0),
			targets: func() map[int32]target.Target {
				m := foreignTargets(5)
				for fd, tt := range m {
					tt.UID = uint32(alice.uid)
					m[fd] = tt
				}
				return m
			}()},
		{name: "root supervisors probing services are skipped by default",
			events: probes(rootShell, fdRange(10, 5), sec, sec/10, 0), targets: foreignTargets(5)},
		{name: "probes of unknown targets that succeeded are not assumed foreign",
			events: probes(mallory, fdRange(10, 5), sec, sec/10, 0)},
		{name: "real signals are not probes",
			events: []trace.Event{
				sendEvent(mallory, call{pidfd: 10, sig: events.SIGTERM, result: -1}, sec),
				sendEvent(mallory, call{pidfd: 11, sig: events.SIGTERM, result: -1}, sec),
				sendEvent(mallory, call{pidfd: 12, sig: events.SIGTERM, result: -1}, sec),
				sendEvent(mallory, call{pidfd: 13, sig: events.SIGTERM, result: -1}, sec),
				sendEvent(mallory, call{pidfd: 14, sig: events.SIGTERM, result: -1}, sec),
			}},
		{name: "probes of different senders are not added up",
			events: append(probes(mallory, fdRange(10, 3), sec, sec/10, -1), probes(alice, fdRange(13, 2), sec, sec/10, -1)...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := signatures.DefaultConfig()
			if tc.config != nil {
				tc.config(&cfg)
			}
			s, err := signatures.NewSignalProbe(cfg, signatures.WithResolver(resolverFor(tc.targets)))
			require.NoError(t, err)
			got := initSig(t, s)
			feed(t, s, tc.events...)
			require.Len(t, got.list(), tc.want, "findings: %v", dataOf(got.list()))
			for _, f := range got.list() {
				require.Equal(t, 2, f.SigMetadata.Properties["Severity"])
				require.Equal(t, "T1057", f.SigMetadata.Properties["external_id"])
				require.Equal(t, []string{"probe_threshold"}, f.Data[signatures.DataReasons])
			}
		})
	}
}

func TestSignalProbeFindingNamesTheProbedTargets(t *testing.T) {
	s, err := signatures.NewSignalProbe(signatures.DefaultConfig(), signatures.WithResolver(resolverFor(foreignTargets(5))))
	require.NoError(t, err)
	got := initSig(t, s)
	evs := probes(mallory, fdRange(10, 5), sec, sec, -1)
	feed(t, s, evs...)
	list := got.list()
	require.Len(t, list, 1)
	require.Equal(t, evs[4], list[0].Event.Payload, "the finding carries the probe that completed the pattern")
	require.Equal(t, signatures.DataObject{
		"count":            int64(5),
		"window":           "10s",
		"target_host_pids": signatures.DataList{int64(2500), int64(2501), int64(2502), int64(2503), int64(2504)},
	}, list[0].Data[signatures.DataProbe])
}

func TestSignalProbeStateIsBounded(t *testing.T) {
	cfg := signatures.DefaultConfig()
	cfg.SignalProbe.MaxSenders = 2
	cfg.SignalProbe.Threshold = 3
	cfg.SignalProbe.MaxTargetsPerSender = 3
	s, err := signatures.NewSignalProbe(cfg, signatures.WithResolver(resolverFor(nil)))
	require.NoError(t, err)
	got := initSig(t, s)
	// Mallory probes two targets, then two other senders push her out of
	// the table: her third probe starts a new count.
	other1, other2 := mallory, mallory
	other1.hostPID, other1.entity = 1, 1
	other2.hostPID, other2.entity = 2, 2
	feed(t, s, probes(mallory, fdRange(10, 2), sec, 1, -1)...)
	feed(t, s, probes(other1, fdRange(10, 1), 2*sec, 1, -1)...)
	feed(t, s, probes(other2, fdRange(10, 1), 3*sec, 1, -1)...)
	feed(t, s, probes(mallory, fdRange(12, 1), 4*sec, 1, -1)...)
	require.Empty(t, got.list(), "the evicted sender's earlier probes are forgotten")
	feed(t, s, probes(mallory, fdRange(13, 2), 5*sec, 1, -1)...)
	require.Len(t, got.list(), 1)
}
