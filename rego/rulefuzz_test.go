package rego_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
)

// generatedBatch is how many random rules share a runtime.
const generatedBatch = 30

// generatedRules returns how many random rules TestGeneratedRulesAgree
// runs: a third under the race detector, which makes planning them five
// times slower.
func generatedRules() int {
	if raceEnabled {
		return 90
	}
	return 300
}

// ruleTally counts what became of generated rules.
type ruleTally struct {
	rules       int // generated
	invalid     int // did not compile (a type error, say): left out by both engines
	unplannable int // loaded on OPA's evaluator by both
	planned     int // run by the plan machine, compared with OPA's evaluator
	findings    int // findings compared
	errors      int // evaluations that failed, on both engines alike
}

// TestGeneratedRulesAgree generates random rules from a fixed seed and
// runs each on the plan machine and on OPA's evaluator over a sample of
// real events: the findings, their data, and each rule's evaluation and
// error counts must be the same.
func TestGeneratedRulesAgree(t *testing.T) {
	evs := ruleFuzzEvents(t)
	rng := rand.New(rand.NewPCG(11, 2026))
	var tally ruleTally
	total := generatedRules()
	for batch := 0; batch < total/generatedBatch; batch++ {
		mods := map[string]string{}
		for i := range generatedBatch {
			choices := make([]byte, 256)
			for j := range choices {
				choices[j] = byte(rng.Uint32())
			}
			id := fmt.Sprintf("GEN-%d", batch*generatedBatch+i)
			mods[id] = (&ruleGen{choices: choices}).module("tracee.GEN_"+fmt.Sprint(batch*generatedBatch+i), id)
		}
		tally.add(requireRulesAgree(t, mods, evs))
	}
	t.Logf("generated rules: %s", describeTally(tally))
	require.Equal(t, total, tally.rules)
	// The generator must mostly write rules that load and run on the
	// machine, or the comparison says little.
	require.Greater(t, tally.planned, total/2, "too few generated rules ran on the plan machine: %+v", tally)
	require.NotZero(t, tally.findings)
	require.NotZero(t, tally.errors, "no generated rule met an evaluation error: the error paths go untested")
}

// FuzzGeneratedRulesAgree: the rule written from any bytes gives the same
// findings and counts on both engines.
func FuzzGeneratedRulesAgree(f *testing.F) {
	rng := rand.New(rand.NewPCG(11, 2026))
	for range 5 {
		seed := make([]byte, 128)
		for j := range seed {
			seed[j] = byte(rng.Uint32())
		}
		f.Add(seed)
	}
	evs := ruleFuzzEvents(f)
	f.Fuzz(func(t *testing.T, choices []byte) {
		mods := map[string]string{"GEN-0": (&ruleGen{choices: choices}).module("tracee.GEN_0", "GEN-0")}
		requireRulesAgree(t, mods, evs)
	})
}

func (t *ruleTally) add(o ruleTally) {
	t.rules += o.rules
	t.invalid += o.invalid
	t.unplannable += o.unplannable
	t.planned += o.planned
	t.findings += o.findings
	t.errors += o.errors
}

// ruleFuzzEvents returns a sample of the scenario and capture events, and
// two copies broken as Tracee's output can be.
func ruleFuzzEvents(t testing.TB) []trace.Event {
	all := decodeLines(engineCorpus(t)...)
	require.NotEmpty(t, all)
	var evs []trace.Event
	step := max(1, len(all)/8)
	for i := 0; i < len(all); i += step {
		evs = append(evs, all[i])
	}
	for _, mutate := range eventMutations[:2] {
		m := evs[0]
		m.Args = append([]trace.Argument(nil), m.Args...)
		mutate(&m)
		evs = append(evs, m)
	}
	return evs
}

// requireRulesAgree loads the modules (rule ID: source) in a runtime on
// each engine, feeds evs to both and compares what each rule reported.
func requireRulesAgree(t testing.TB, mods map[string]string, evs []trace.Event) ruleTally {
	t.Helper()
	dir := t.TempDir()
	for id, src := range mods {
		require.NoError(t, os.WriteFile(filepath.Join(dir, id+".rego"), []byte(src), 0o600))
	}
	reasons := &fallbackLog{}
	plan := newGeneratedRun(t, dir, rego.WithLogger(reasons))
	topdown := newGeneratedRun(t, dir, rego.WithTopdown())
	failed := failedFiles(plan.rt)
	tally := ruleTally{rules: len(mods), invalid: len(failed)}
	if os.Getenv("RULEGEN_DEBUG") != "" {
		for _, e := range plan.rt.LoadErrors() {
			t.Logf("plan load error: %v", e)
		}
		for _, e := range topdown.rt.LoadErrors() {
			t.Logf("topdown load error: %v", e)
		}
	}
	require.Equal(t, failedFiles(topdown.rt), failed, "the engines load different rules")
	for _, s := range plan.sigs {
		if s.Engine() == rego.EngineTopdown {
			tally.unplannable++
		} else {
			tally.planned++
		}
	}
	if os.Getenv("RULEGEN_DEBUG") != "" {
		for _, r := range reasons.reasons {
			t.Logf("fallback: %s", r)
		}
	}
	for i, ev := range evs {
		plan.feed(t, i, ev)
		topdown.feed(t, i, ev)
	}
	planBy, tdBy := plan.out.byID(), topdown.out.byID()
	for _, s := range plan.sigs {
		m, err := s.GetMetadata()
		require.NoError(t, err)
		id := m.ID
		require.Equal(t, tdBy[id], planBy[id], "rule %s reports differently on the plan machine (engine %s):\n%s", id, s.Engine(), mods[id])
		tally.findings += len(planBy[id])
	}
	planStats, tdStats := plan.stats(), topdown.stats()
	for id, st := range planStats {
		require.Equal(t, tdStats[id], st, "rule %s counts differently on the plan machine:\n%s", id, mods[id])
		tally.errors += int(st.Errors)
	}
	return tally
}

// fallbackLog keeps why rules fell back to OPA's evaluator.
type fallbackLog struct{ reasons []string }

func (l *fallbackLog) Debugw(msg string, kv ...any) { l.reasons = append(l.reasons, fmt.Sprint(kv...)) }
func (*fallbackLog) Infow(string, ...any)           {}
func (*fallbackLog) Warnw(string, ...any)           {}
func (*fallbackLog) Errorw(string, ...any)          {}

// failedFiles returns the files rt did not load.
func failedFiles(rt *rego.Runtime) map[string]bool {
	out := map[string]bool{}
	for _, e := range rt.LoadErrors() {
		out[e.File] = true
	}
	return out
}

// generatedRun is a runtime with only generated rules.
type generatedRun struct {
	rt   *rego.Runtime
	sigs []*rego.Signature
	out  collector
}

func newGeneratedRun(t testing.TB, dir string, opts ...rego.Option) *generatedRun {
	t.Helper()
	rt, err := rego.New(append([]rego.Option{rego.WithoutEnvironment(), rego.WithoutBuiltinRules(), rego.WithRuleDirs(dir),
		rego.WithEvalTimeout(time.Minute)}, opts...)...)
	require.NoError(t, err)
	r := &generatedRun{rt: rt, sigs: rt.Rules()}
	for _, s := range r.sigs {
		require.NoError(t, s.Init(detect.SignatureContext{Callback: r.out.callback}))
	}
	return r
}

func (r *generatedRun) feed(t testing.TB, i int, ev trace.Event) {
	r.out.event = i
	p := ev.ToProtocol()
	for _, s := range r.sigs {
		require.NoError(t, s.OnEvent(p))
	}
}

func (r *generatedRun) stats() map[string]rego.Stats {
	out := map[string]rego.Stats{}
	for _, s := range r.sigs {
		m, _ := s.GetMetadata()
		out[m.ID] = s.Stats()
	}
	return out
}

// byID returns the outcomes of each rule, in event order.
func (c *collector) byID() map[string][]outcome {
	out := map[string][]outcome{}
	for _, o := range c.sorted() {
		out[o.ID] = append(out[o.ID], o)
	}
	return out
}

// describeTally is the one-line summary of a run, for logs.
func describeTally(t ruleTally) string {
	return strings.TrimSpace(fmt.Sprintf("%d rules: %d invalid, %d unplannable, %d planned; %d findings, %d errors compared",
		t.rules, t.invalid, t.unplannable, t.planned, t.findings, t.errors))
}
