package rego_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/capture"
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/rego"
	"github.com/pidfdsig/pidfdsig/target"
)

// engineRuleDirs are the rules both engines run in the engine tests: the
// built-in rules, a user rule, an old Tracee rule and a rule reaching for
// many Rego features (testdata/rules/engines).
var engineRuleDirs = []string{"testdata/rules/engines", "testdata/rules/user", "testdata/rules/old"}

// trackerSwitch is a Resolver whose tracker a test can replace, so that
// one runtime serves many independent runs.
type trackerSwitch struct{ cur *target.Tracker }

func (r *trackerSwitch) Observe(ev *trace.Event) { r.cur.Observe(ev) }
func (r *trackerSwitch) Resolve(ev *trace.Event, c *events.SendSignal) target.Target {
	return r.cur.Resolve(ev, c)
}

// engineRun is one runtime, on one engine.
type engineRun struct {
	sigs []*rego.Signature
	res  *trackerSwitch
	out  collector
}

func newEngineRun(t testing.TB, engine string, opts ...rego.Option) *engineRun {
	t.Helper()
	r := &engineRun{res: &trackerSwitch{cur: target.NewTracker()}}
	opts = append([]rego.Option{rego.WithoutEnvironment(), rego.WithRuleDirs(engineRuleDirs...),
		rego.WithResolver(r.res), rego.WithEvalTimeout(time.Minute)}, opts...)
	rt, err := rego.New(opts...)
	require.NoError(t, err)
	require.Empty(t, rt.LoadErrors())
	r.sigs = rt.Rules()
	for _, s := range r.sigs {
		require.Equal(t, engine, s.Engine(), "rule %s", s.Package())
	}
	return r
}

// start begins a run from nothing: a new tracker, signatures started
// again, no findings.
func (r *engineRun) start(t testing.TB) {
	r.res.cur = target.NewTracker()
	r.out = collector{}
	for _, s := range r.sigs {
		s.Close()
		require.NoError(t, s.Init(detect.SignatureContext{Callback: r.out.callback}))
	}
}

func (r *engineRun) feed(t testing.TB, i int, ev trace.Event) {
	r.out.event = i
	p := ev.ToProtocol()
	for _, s := range r.sigs {
		require.NoError(t, s.OnEvent(p))
	}
}

// stats returns each rule's counters by ID.
func (r *engineRun) stats() map[string]rego.Stats {
	out := map[string]rego.Stats{}
	for _, s := range r.sigs {
		m, _ := s.GetMetadata()
		out[m.ID] = s.Stats()
	}
	return out
}

// enginePair runs the same events on the plan machine and on OPA's
// evaluator.
type enginePair struct{ plan, topdown *engineRun }

func newEnginePair(t testing.TB) *enginePair {
	return &enginePair{
		plan:    newEngineRun(t, rego.EnginePlan),
		topdown: newEngineRun(t, rego.EngineTopdown, rego.WithTopdown()),
	}
}

// requireAgree feeds events to both engines from a fresh start: the
// findings, and how each rule's counters (evaluations, errors) moved, must
// be the same. It returns the plan machine's counters.
func (p *enginePair) requireAgree(t testing.TB, evs []trace.Event) map[string]rego.Stats {
	t.Helper()
	p.plan.start(t)
	p.topdown.start(t)
	planBefore, tdBefore := p.plan.stats(), p.topdown.stats()
	for i, ev := range evs {
		p.plan.feed(t, i, ev)
		p.topdown.feed(t, i, ev)
	}
	sides := &sides{goOut: collector{list: p.topdown.out.list}, regoOut: collector{list: p.plan.out.list}}
	sides.requireSame(t, evs)
	planDelta, tdDelta := statsDelta(planBefore, p.plan.stats()), statsDelta(tdBefore, p.topdown.stats())
	require.Equal(t, tdDelta, planDelta)
	return planDelta
}

func statsDelta(before, after map[string]rego.Stats) map[string]rego.Stats {
	out := map[string]rego.Stats{}
	for id, a := range after {
		b := before[id]
		out[id] = rego.Stats{
			Events: a.Events - b.Events, WrongPayloads: a.WrongPayloads - b.WrongPayloads,
			Evaluations: a.Evaluations - b.Evaluations, Findings: a.Findings - b.Findings,
			Errors: a.Errors - b.Errors, Timeouts: a.Timeouts - b.Timeouts,
		}
	}
	return out
}

// engineCorpus returns the lines of every scenario and Tracee capture.
func engineCorpus(t testing.TB) [][]byte {
	files, _ := filepath.Glob("../testdata/scenarios/*.jsonl")
	samples, _ := filepath.Glob("../testdata/tracee-samples/*.jsonl")
	var lines [][]byte
	for _, file := range append(files, samples...) {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines = append(lines, append([]byte(nil), sc.Bytes()...))
		}
	}
	require.NotEmpty(t, lines)
	return lines
}

// decodeLines reads Tracee JSON lines, skipping those that are not events.
func decodeLines(lines ...[]byte) []trace.Event {
	r := capture.NewReader(bytes.NewReader(bytes.Join(lines, []byte("\n"))))
	var evs []trace.Event
	for {
		var ev trace.Event
		err := r.Next(&ev)
		if errors.Is(err, io.EOF) {
			return evs
		}
		if err == nil {
			evs = append(evs, ev)
		}
		var lerr *capture.LineError
		if err != nil && !errors.As(err, &lerr) {
			return evs
		}
	}
}

// TestEnginesAgree runs every event of the scenarios and captures, and
// versions of them with arguments dropped, retyped or out of range, through
// the plan machine and OPA's evaluator.
func TestEnginesAgree(t *testing.T) {
	evs := decodeLines(engineCorpus(t)...)
	var mutated []trace.Event
	for _, ev := range evs {
		for _, mutate := range eventMutations {
			m := ev
			m.Args = append([]trace.Argument(nil), ev.Args...)
			mutate(&m)
			mutated = append(mutated, m)
		}
	}
	stats := newEnginePair(t).requireAgree(t, append(evs, mutated...))
	for _, id := range []string{"ENG-1", "ENG-2", "PFD-1", "PFD-2", "PFD-5", "USER-1"} {
		require.NotZero(t, stats[id].Findings, "%s should report some of the corpus", id)
	}
	require.NotZero(t, stats["ENG-2"].Errors, "ENG-2 should fail on some of the corpus")
	t.Logf("%+v", stats)
}

// eventMutations break events the ways Tracee's output can surprise a
// rule.
var eventMutations = []func(*trace.Event){
	func(ev *trace.Event) { ev.Args = nil },
	func(ev *trace.Event) {
		for i := range ev.Args {
			ev.Args[i].Value = "7"
		}
	},
	func(ev *trace.Event) {
		for i := range ev.Args {
			ev.Args[i].Value = float64(1) / 3
		}
	},
	func(ev *trace.Event) {
		for i := range ev.Args {
			ev.Args[i].Value = uint64(1) << 63
		}
	},
	func(ev *trace.Event) {
		if len(ev.Args) > 0 {
			ev.Args = ev.Args[1:]
		}
		ev.ProcessName = "  ÄÖ-tool  "
		ev.UserID = 0
	},
}

// FuzzEnginesAgree: any Tracee JSON line gets the same findings and errors
// from both engines.
func FuzzEnginesAgree(f *testing.F) {
	for _, line := range engineCorpus(f) {
		f.Add(line)
	}
	pair := newEnginePair(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		evs := decodeLines(line)
		if len(evs) == 0 {
			return
		}
		pair.requireAgree(t, evs)
	})
}
