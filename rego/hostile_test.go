package rego_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
)

// hostileDir holds one rule per way a rule can try to take its host down,
// a directory a user could pass to PIDFDSIG_REGO_DIR.
const hostileDir = "testdata/rules/hostile"

// hostileHeapCeiling bounds the peak heap of the whole hostile run, the
// built-in rules included, on each engine: a few times the default memory
// budget, whatever the rules try to build (they try gigabytes).
const hostileHeapCeiling = 6 * rego.DefaultMemoryBudget

// hostileTimeout is the time bound of the hostile run: long enough, under
// the race detector on a busy machine, for every memory bomb to meet the
// budget before the clock, so that each row ends one way.
const hostileTimeout = time.Second

// hostileStrikes switch a hostile rule off.
const hostileStrikes = 3

// The ways a hostile rule ends.
type hostileEnd int

const (
	endDenied    hostileEnd = iota // the file does not load: a withheld builtin
	endLoadBound                   // the file does not load: its metadata or selection ran out of bounds
	endBudget                      // every evaluation fails with ErrMemoryBudget
	endBounded                     // every evaluation fails with ErrTimeout or ErrMemoryBudget (CPU bombs: OPA's evaluator allocates as it loops)
	endError                       // every evaluation fails with the error of the row
	endNothing                     // no finding, no error (builtin errors are undefined calls, as in OPA)
)

var hostileRules = []struct {
	file string
	end  hostileEnd
	err  error // endError, endDenied: what the error wraps
}{
	{"range_memory.rego", endBudget, nil},
	{"cpu_loops.rego", endBounded, nil},
	{"comprehension_cross.rego", endBounded, nil}, // element by element: the clock may come first
	{"array_doubling.rego", endBounded, nil},      // element by element: the clock may come first
	{"string_doubling.rego", endBounded, nil},
	{"sprintf_width.rego", endBudget, nil},
	{"marshal_huge.rego", endBudget, nil},
	{"walk_huge.rego", endBudget, nil},
	{"replace_growth.rego", endBudget, nil},
	{"function_calls.rego", endBounded, nil},
	{"huge_output.rego", endBudget, nil},
	{"conflict.rego", endError, nil},
	{"builtin_error.rego", endNothing, nil},
	{"wrong_type.rego", endDenied, rego.ErrRuleContract}, // refused at load: it can only be a string
	{"number_growth.rego", endBudget, nil},
	{"http_send.rego", endDenied, rego.ErrBuiltinDenied},
	{"net_lookup.rego", endDenied, rego.ErrBuiltinDenied},
	{"opa_runtime.rego", endDenied, rego.ErrBuiltinDenied},
	{"time_now.rego", endDenied, rego.ErrBuiltinDenied},
	{"rand.rego", endDenied, rego.ErrBuiltinDenied},
	{"uuid.rego", endDenied, rego.ErrBuiltinDenied},
	{"jwt_verify.rego", endDenied, rego.ErrBuiltinDenied},
	{"x509_verify.rego", endDenied, rego.ErrBuiltinDenied},
	{"render_template.rego", endDenied, rego.ErrBuiltinDenied},
	{"reachable_paths.rego", endDenied, rego.ErrBuiltinDenied},
	{"load_bomb.rego", endLoadBound, nil},
	{"json_patch_copy.rego", endBudget, nil},
}

// hostileEvents are the events of a real Tracee capture and a scenario,
// on which the built-in rules fire.
func hostileEvents(t *testing.T) []trace.Event {
	var lines [][]byte
	for _, f := range []string{"../testdata/tracee-samples/tracee-v0.24.1-trigger.jsonl", "../testdata/scenarios/pfd1_cross_user_kill.jsonl"} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		lines = append(lines, b)
	}
	evs := decodeLines(lines...)
	require.NotEmpty(t, evs)
	return evs
}

// heapPeak samples the heap (live and not yet swept objects) until stop,
// and returns the largest sample.
type heapPeak struct {
	peak atomic.Uint64
	stop chan struct{}
	done sync.WaitGroup
}

func watchHeap() *heapPeak {
	h := &heapPeak{stop: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > h.peak.Load() {
			h.peak.Store(v)
		}
	}
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for {
			read()
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) end() uint64 {
	close(h.stop)
	h.done.Wait()
	return h.peak.Load()
}

// hostileRun is what one engine made of the hostile directory.
type hostileRun struct {
	loadErrs map[string]*rego.LoadError // by file name
	sigs     map[string]*rego.Signature // by file name
	builtin  []string                   // the built-in rules' findings
	switched map[string][]string        // the switch-off reports of each rule file, from the log
	peak     uint64
}

// errorLogger keeps the evaluation errors and switch-off reports.
type errorLogger struct {
	mu       sync.Mutex
	warnings []map[string]any
	errors   []map[string]any
}

func (l *errorLogger) Debugw(string, ...any) {}
func (l *errorLogger) Infow(string, ...any)  {}
func (l *errorLogger) Warnw(_ string, kv ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.warnings = append(l.warnings, kvMap(kv))
}
func (l *errorLogger) Errorw(_ string, kv ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, kvMap(kv))
}

func kvMap(kv []any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// runHostile loads the built-in rules and the hostile directory on one
// engine and feeds every rule evs.
func runHostile(t *testing.T, evs []trace.Event, dir string, opts ...rego.Option) *hostileRun {
	runtime.GC()
	heap := watchHeap()
	var log errorLogger
	rt, err := rego.New(append([]rego.Option{rego.WithoutEnvironment(), rego.WithRuleDirs(dir), rego.WithLogger(&log),
		rego.WithEvalTimeout(hostileTimeout), rego.WithMaxStrikes(hostileStrikes)}, opts...)...)
	require.NoError(t, err)
	run := &hostileRun{loadErrs: map[string]*rego.LoadError{}, sigs: map[string]*rego.Signature{}}
	for _, le := range rt.LoadErrors() {
		run.loadErrs[filepath.Base(le.File)] = le
	}
	var mu sync.Mutex
	for _, s := range rt.Rules() {
		file := filepath.Base(s.File())
		meta, err := s.GetMetadata()
		require.NoError(t, err)
		builtin := strings.HasPrefix(meta.ID, "PFD-")
		if !builtin {
			run.sigs[file] = s
		}
		require.NoError(t, s.Init(detect.SignatureContext{Logger: &log, Callback: func(f *detect.Finding) {
			if builtin {
				mu.Lock()
				run.builtin = append(run.builtin, findingKey(f))
				mu.Unlock()
			}
		}}))
	}
	for _, ev := range evs {
		for _, s := range rt.Rules() {
			require.NoError(t, s.OnEvent(ev.ToProtocol()))
		}
	}
	run.peak = heap.end()
	run.switched = map[string][]string{}
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, e := range log.errors {
		file, _ := e["file"].(string)
		reason, _ := e["reason"].(string)
		run.switched[filepath.Base(file)] = append(run.switched[filepath.Base(file)], reason)
	}
	return run
}

// findingKey identifies a finding: rule, event time and data.
func findingKey(f *detect.Finding) string {
	ev, _ := f.Event.Payload.(trace.Event)
	return f.SigMetadata.ID + " " + time.Unix(0, int64(ev.Timestamp)).UTC().Format(time.RFC3339Nano) + " " + fmtData(f.Data)
}

func fmtData(d map[string]any) string {
	if d == nil {
		return "true"
	}
	return fmt.Sprint(d)
}

// TestHostileRules: no rule of the hostile directory takes its host down.
// On both engines, each ends as its row says, within the time bound (its
// evaluations fail with a timeout, over budget or another error, and the
// rule is switched off after the strikes), the heap stays under
// hostileHeapCeiling, and the built-in rules find on the same events what
// they find alone.
func TestHostileRules(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(hostileDir, "*.rego"))
	require.NoError(t, err)
	require.Len(t, files, len(hostileRules), "every hostile rule has a row")
	evs := hostileEvents(t)
	ends := map[string]map[string]string{}
	for _, eng := range engineOptions {
		t.Run(eng.name, func(t *testing.T) {
			alone := runHostile(t, evs, t.TempDir(), eng.opts...)
			require.NotEmpty(t, alone.builtin, "the built-in rules fire on these events")
			run := runHostile(t, evs, hostileDir, eng.opts...)
			assert.Equal(t, alone.builtin, run.builtin, "the built-in rules' findings are unchanged")
			assert.Less(t, run.peak, uint64(hostileHeapCeiling), "peak heap %d MiB", run.peak>>20)
			t.Logf("peak heap with the hostile rules: %d MiB (alone: %d MiB)", run.peak>>20, alone.peak>>20)
			ends[eng.name] = map[string]string{}
			for _, row := range hostileRules {
				ends[eng.name][row.file] = checkHostile(t, run, row.file, row.end, row.err)
			}
		})
	}
	assert.Equal(t, ends[rego.EnginePlan], ends[rego.EngineTopdown], "both engines end each rule the same way")
}

// checkHostile checks how one hostile rule ended and returns a summary
// both engines must agree on.
func checkHostile(t *testing.T, run *hostileRun, file string, end hostileEnd, want error) string {
	t.Helper()
	le, notLoaded := run.loadErrs[file]
	switch end {
	case endDenied:
		require.True(t, notLoaded, "%s loads", file)
		assert.ErrorIs(t, le, want, file)
		return le.Error()
	case endLoadBound:
		require.True(t, notLoaded, "%s loads", file)
		assert.True(t, errors.Is(le, rego.ErrTimeout) || errors.Is(le, rego.ErrMemoryBudget), "%s: %v", file, le)
		return "not loaded: bounded"
	}
	require.False(t, notLoaded, "%s: %v", file, le)
	s := run.sigs[file]
	require.NotNil(t, s, file)
	st := s.Stats()
	off := s.SwitchedOff()
	if end == endNothing {
		assert.Zero(t, st.Errors, file)
		assert.Zero(t, st.Findings, file)
		assert.False(t, st.SwitchedOff, file)
		return "nothing"
	}
	require.Error(t, off, "%s is switched off", file)
	assert.Equal(t, []string{off.Error()}, run.switched[file], "%s: reported once, with its file and reason", file)
	assert.True(t, st.SwitchedOff, file)
	assert.Equal(t, uint64(hostileStrikes), st.Errors, "%s: every evaluation failed until the strikes ran out", file)
	assert.Equal(t, st.Errors, st.Evaluations, file)
	assert.Zero(t, st.Findings, file)
	assert.ErrorIs(t, off, rego.ErrSwitchedOff)
	switch end {
	case endBudget:
		assert.ErrorIs(t, off, rego.ErrMemoryBudget, file)
		assert.Equal(t, st.Errors, st.OverBudget, file)
		return "budget"
	case endBounded:
		assert.True(t, errors.Is(off, rego.ErrTimeout) || errors.Is(off, rego.ErrMemoryBudget), "%s: %v", file, off)
		assert.Equal(t, st.Errors, st.Timeouts+st.OverBudget, file)
		return "bounded"
	default:
		if want != nil {
			assert.ErrorIs(t, off, want, file)
		}
		return "error"
	}
}
