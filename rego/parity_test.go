package rego_test

import (
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/rego"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// outcome is a finding reduced to what parity compares: the signature id,
// the event name, the data and properties after JSON normalisation, and
// the Go types of the data (dataTypes).
type outcome struct {
	Event      int    `json:"event"` // index of the triggering event
	ID         string `json:"id"`
	EventName  string `json:"event_name"`
	Data       any    `json:"data"`
	Properties any    `json:"properties"`
	DataTypes  any    `json:"data_types"`
}

// collector gathers the outcomes of one side, and the findings' data as
// the signatures gave it, safe for concurrent use.
type collector struct {
	mu    sync.Mutex
	event int
	list  []outcome
	data  []map[string]any
}

func (c *collector) callback(f *detect.Finding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, outcome{
		Event: c.event, ID: f.SigMetadata.ID, EventName: f.SigMetadata.EventName,
		Data: normalise(f.Data), Properties: normalise(f.SigMetadata.Properties),
		DataTypes: dataTypes(f.Data),
	})
	c.data = append(c.data, f.GetData())
}

func (c *collector) sorted() []outcome {
	out := append([]outcome(nil), c.list...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Event != out[j].Event {
			return out[i].Event < out[j].Event
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// normalise renders v as encoding/json would and reads it back.
func normalise(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// failLogger fails the test on any warning or error: parity runs must not
// meet evaluation errors.
type failLogger struct{ t testing.TB }

func (failLogger) Debugw(string, ...any)          {}
func (failLogger) Infow(string, ...any)           {}
func (l failLogger) Warnw(msg string, kv ...any)  { l.t.Errorf("warning: %s %v", msg, kv) }
func (l failLogger) Errorw(msg string, kv ...any) { l.t.Errorf("error: %s %v", msg, kv) }

// sides runs the same events through the Go signatures and the Rego rules.
type sides struct {
	goSigs, regoSigs []detect.Signature
	goOut, regoOut   collector
}

// engines are the two ways the runtime evaluates a rule; parity must hold
// for both.
var engines = []struct {
	name string
	opts []rego.Option
}{
	{rego.EnginePlan, nil},
	{rego.EngineTopdown, []rego.Option{rego.WithTopdown()}},
}

func newSides(t testing.TB, cfg signatures.Config, goRes, regoRes rego.Resolver, engine string, opts ...rego.Option) *sides {
	t.Helper()
	s := &sides{}
	var err error
	s.goSigs, err = signatures.New(cfg, signatures.WithResolver(goRes))
	require.NoError(t, err)
	opts = append([]rego.Option{rego.WithConfig(cfg), rego.WithResolver(regoRes), rego.WithoutEnvironment(), rego.WithLogger(failLogger{t}),
		rego.WithEvalTimeout(time.Minute)}, opts...) // a loaded CI machine must not turn parity into a timing test
	rt, err := rego.New(opts...)
	require.NoError(t, err)
	require.Empty(t, rt.LoadErrors())
	for _, r := range rt.Rules() {
		require.Equal(t, engine, r.Engine(), "rule %s", r.Package())
	}
	s.regoSigs = rt.Signatures()
	for _, sig := range s.goSigs {
		require.NoError(t, sig.Init(detect.SignatureContext{Callback: s.goOut.callback}))
	}
	for _, sig := range s.regoSigs {
		require.NoError(t, sig.Init(detect.SignatureContext{Callback: s.regoOut.callback}))
	}
	return s
}

func (s *sides) feed(t testing.TB, i int, ev trace.Event) {
	s.goOut.event, s.regoOut.event = i, i
	p := ev.ToProtocol()
	for _, sig := range s.goSigs {
		require.NoError(t, sig.OnEvent(p))
	}
	for _, sig := range s.regoSigs {
		require.NoError(t, sig.OnEvent(p))
	}
}

// requireSame fails with the first difference, naming the event.
func (s *sides) requireSame(t testing.TB, events []trace.Event) {
	t.Helper()
	goList, regoList := s.goOut.sorted(), s.regoOut.sorted()
	for i := 0; i < len(goList) || i < len(regoList); i++ {
		var g, r *outcome
		if i < len(goList) {
			g = &goList[i]
		}
		if i < len(regoList) {
			r = &regoList[i]
		}
		if g != nil && r != nil && g.Event == r.Event && g.ID == r.ID {
			require.Equal(t, g, r, "finding %d differs; event: %s", i, eventJSON(events, g.Event))
			continue
		}
		ev := 0
		if g != nil {
			ev = g.Event
		} else {
			ev = r.Event
		}
		require.Equal(t, g, r, "finding %d only on one side; event: %s", i, eventJSON(events, ev))
	}
}

func eventJSON(evs []trace.Event, i int) string {
	if i < 0 || i >= len(evs) {
		return "?"
	}
	b, _ := json.Marshal(evs[i])
	return string(b)
}

// The parity test over testdata/scenarios and the bundled Tracee captures:
// the same events through the Go signatures and the Rego rules, each side
// with its own target.Tracker, must give identical findings.
func TestParityScenarios(t *testing.T) {
	files, _ := filepath.Glob("../testdata/scenarios/*.jsonl")
	samples, _ := filepath.Glob("../testdata/tracee-samples/*.jsonl")
	files = append(files, samples...)
	require.NotEmpty(t, files)
	for _, eng := range engines {
		for _, file := range files {
			t.Run(eng.name+"/"+filepath.Base(file), func(t *testing.T) {
				cfg := scenarioConfig(t, file)
				evs := readEvents(t, file)
				s := newSides(t, cfg, target.NewTracker(), target.NewTracker(), eng.name, eng.opts...)
				for i, ev := range evs {
					s.feed(t, i, ev)
				}
				s.requireSame(t, evs)
			})
		}
	}
}

// scenarioConfig loads the configuration beside a scenario (same name with
// .yaml or a config.yaml in its directory), else the default.
func scenarioConfig(t *testing.T, file string) signatures.Config {
	base := strings.TrimSuffix(file, filepath.Ext(file))
	for _, name := range []string{base + ".config.yaml", base + ".yaml", base + ".config.json"} {
		if _, err := os.Stat(name); err == nil {
			cfg, err := signatures.LoadConfig(name)
			require.NoError(t, err)
			return cfg
		}
	}
	return signatures.DefaultConfig()
}

func readEvents(t *testing.T, file string) []trace.Event {
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	r := capture.NewReader(f)
	var evs []trace.Event
	for {
		var ev trace.Event
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			return evs
		}
		var lerr *capture.LineError
		if errors.As(err, &lerr) {
			continue // bad lines are the scenario's point; both sides skip them
		}
		require.NoError(t, err)
		evs = append(evs, ev)
	}
}

// fixedResolver resolves pidfd 3 to one target, the PIDFD_SELF_* values to
// the sender, anything else to unknown.
type fixedResolver struct{ t target.Target }

func (*fixedResolver) Observe(*trace.Event) {}

func (r *fixedResolver) Resolve(ev *trace.Event, c *events.SendSignal) target.Target {
	switch {
	case c.TargetsSelf():
		s := c.Sender
		return target.Target{Source: target.SourceSelf, IsSender: true, HostPID: s.HostPID, PID: s.PID,
			UIDKnown: true, UID: s.UID, Comm: s.Comm, Exe: s.Exe, ContainerID: s.ContainerID, PidNS: s.PidNS}
	case c.PidFD == 3:
		return r.t
	default:
		return target.Target{Reason: "fd not tracked"}
	}
}

// switchResolver lets the differential test choose each event's target.
type switchResolver struct{ cur *fixedResolver }

func (r *switchResolver) Observe(*trace.Event) {}
func (r *switchResolver) Resolve(ev *trace.Event, c *events.SendSignal) target.Target {
	return r.cur.Resolve(ev, c)
}

// Processes for the differential test.
const (
	hostPidNS      = 0xEFFFFFFC
	containerPidNS = 4026532500
)

type proc struct {
	hostPID, pid, uid int
	comm, exe, ct     string
	pidNS             int
	entity            uint32
}

var procs = []proc{
	{2000, 2000, 1000, "bash", "/usr/bin/bash", "", hostPidNS, 2000},
	{6666, 6666, 1666, "x", "/tmp/x", "", hostPidNS, 6666},
	{3000, 3000, 0, "bash", "/usr/bin/bash", "", hostPidNS, 3000},
	{1, 1, 0, "systemd", "/usr/lib/systemd/systemd", "", hostPidNS, 1},
	{1, 1, 0, "systemd", "", "", hostPidNS, 1},
	{4000, 4000, 0, "runc", "/usr/bin/runc", "", hostPidNS, 4000},
	{5000, 5000, 0, "osqueryd", "/usr/bin/osqueryd", "", hostPidNS, 5000},
	{7000, 12, 0, "sh", "/bin/sh", "c0ffee", containerPidNS, 7000},
	{7100, 7100, 0, "sh", "/bin/sh", "hostpid1", hostPidNS, 7100},
	{7200, 3, 1000, "reloader", "/reloader", "sidecar", 4026532600, 7200},
	{900, 900, 0, "falco", "/usr/bin/falco", "", hostPidNS, 900},
}

func (p proc) target() target.Target {
	return target.Target{Source: target.SourceTracked, HostPID: int32(p.hostPID), PID: int32(p.pid),
		UIDKnown: true, UID: uint32(p.uid), Comm: p.comm, Exe: p.exe, ContainerID: p.ct, PidNS: uint32(p.pidNS)}
}

func sendEvent(p proc, pidfd int32, sig int32, info uint64, flags uint32, ret int, ts int) trace.Event {
	return trace.Event{
		Timestamp: ts, ProcessID: p.pid, ThreadID: p.pid, HostProcessID: p.hostPID, HostThreadID: p.hostPID,
		UserID: p.uid, PIDNS: p.pidNS, ProcessName: p.comm, Executable: trace.File{Path: p.exe},
		ContainerID: p.ct, Container: trace.Container{ID: p.ct}, EventName: events.EventPidfdSendSignal,
		ProcessEntityId: p.entity, ThreadEntityId: p.entity, ReturnValue: ret, ArgsNum: 4,
		Args: []trace.Argument{
			{ArgMeta: trace.ArgMeta{Name: "pidfd", Type: "int32"}, Value: pidfd},
			{ArgMeta: trace.ArgMeta{Name: "sig", Type: "int32"}, Value: sig},
			{ArgMeta: trace.ArgMeta{Name: "info", Type: "trace.Pointer"}, Value: trace.Pointer(info)},
			{ArgMeta: trace.ArgMeta{Name: "flags", Type: "uint32"}, Value: flags},
		},
	}
}

// targets the differential test picks from, besides every process.
func differentialTargets() []target.Target {
	ts := []target.Target{
		{Reason: "fd not tracked"},
		{Source: target.SourceProcfs, HostPID: 2500, PID: 2500, UIDKnown: true, UID: 1001, CredsKnown: true, EUID: 1001, SUID: 1666, Comm: "bobsvc", PidNS: hostPidNS},
		{Source: target.SourceTracked, HostPID: 2501, PID: 2501, Comm: "nouid", PidNS: hostPidNS},
		{Source: target.SourcePidfdInfo, HostPID: 2502, HostTID: 2503, Thread: true, UIDKnown: true, UID: 1000, CredsKnown: true, EUID: 0, SUID: 1000, Exited: true},
		{Source: target.SourceTracked, HostPID: 8000, PID: 1, UIDKnown: true, UID: 0, Comm: "redis", ContainerID: "beef", PidNS: 4026532700},
		{Source: target.SourceTracked, HostPID: 7002, PID: 13, UIDKnown: true, UID: 0, Comm: "sleep", ContainerID: "c0ffee", PidNS: containerPidNS},
		{Source: target.SourceTracked, HostPID: 950, PID: 950, UIDKnown: true, UID: 0, Comm: "tetragon-longer-than-15", Exe: "/opt/CrowdStrike/falcond", PidNS: hostPidNS},
	}
	for _, p := range procs {
		ts = append(ts, p.target())
	}
	return ts
}

// configs the differential test runs under.
func differentialConfigs() map[string]signatures.Config {
	def := signatures.DefaultConfig()
	loud := signatures.DefaultConfig()
	loud.Allow = nil
	loud.CrossUser.IncludeRootSenders = true
	loud.SignalProbe.IncludeRootSenders = true
	loud.SignalProbe.Threshold = 2
	loud.UnusualFlags.IgnoreOwnProcessGroups = false
	loud.SecurityTools.IgnoreSameTool = false
	tight := loud
	tight.SignalProbe.MaxSenders = 2
	tight.SignalProbe.MaxTargetsPerSender = 3
	tight.SignalProbe.Threshold = 3
	tight.SignalProbe.Window = signatures.Duration(5 * time.Second)
	return map[string]signatures.Config{"default": def, "loud": loud, "tight probe bounds": tight}
}

// TestParityDifferential feeds random calls, senders, targets and times to
// both sides: every verdict, severity, technique and data key must agree.
func TestParityDifferential(t *testing.T) {
	sigs := []int32{0, 1, 9, 10, 15, 17, 18, 19, 32, 34, 64, 65, -1}
	flags := []uint32{0, 1, 2, 3, 4, 5, 8, 12}
	infos := []uint64{0, 0x7ffd0000}
	rets := []int{0, -1, -3, -9, -22, -38, -200}
	pidfds := []int32{3, 3, 3, -10000, -10001, -5, 7}
	targets := differentialTargets()
	n := 1000
	if testing.Short() || raceEnabled {
		n = 200
	}
	for _, eng := range engines {
		for name, cfg := range differentialConfigs() {
			t.Run(eng.name+"/"+name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(5, 7))
				goRes := &switchResolver{cur: &fixedResolver{}}
				regoRes := &switchResolver{cur: &fixedResolver{}}
				s := newSides(t, cfg, goRes, regoRes, eng.name, eng.opts...)
				evs := make([]trace.Event, 0, n)
				ts := 1_000_000_000
				for i := 0; i < n; i++ {
					p := procs[rng.IntN(len(procs))]
					tgt := &fixedResolver{t: targets[rng.IntN(len(targets))]}
					goRes.cur, regoRes.cur = tgt, tgt
					ts += rng.IntN(3_000_000_000)
					ev := sendEvent(p, pidfds[rng.IntN(len(pidfds))], sigs[rng.IntN(len(sigs))],
						infos[rng.IntN(len(infos))], flags[rng.IntN(len(flags))], rets[rng.IntN(len(rets))], ts)
					evs = append(evs, ev)
					s.feed(t, i, ev)
				}
				s.requireSame(t, evs)
				require.NotEmpty(t, s.goOut.list, "the differential test should produce findings")
			})
		}
	}
}

// TestParityMetadata: each rule's metadata equals its Go signature's.
func TestParityMetadata(t *testing.T) {
	goSigs, err := signatures.New(signatures.DefaultConfig())
	require.NoError(t, err)
	rt, err := rego.New(rego.WithoutEnvironment(), patient)
	require.NoError(t, err)
	regoByID := map[string]detect.Signature{}
	for _, s := range rt.Signatures() {
		m, err := s.GetMetadata()
		require.NoError(t, err)
		regoByID[m.ID] = s
	}
	require.Len(t, regoByID, len(goSigs))
	for _, g := range goSigs {
		gm, err := g.GetMetadata()
		require.NoError(t, err)
		r, ok := regoByID[gm.ID]
		require.True(t, ok, "no rule for %s", gm.ID)
		rm, err := r.GetMetadata()
		require.NoError(t, err)
		require.Equal(t, normalise(gm), normalise(rm), gm.ID)
		gsel, _ := g.GetSelectedEvents()
		rsel, _ := r.GetSelectedEvents()
		require.ElementsMatch(t, gsel, rsel, gm.ID)
	}
}
