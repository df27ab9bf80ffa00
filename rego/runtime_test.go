package rego_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/protocol"
	"github.com/aquasecurity/tracee/types/trace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// patient bounds evaluations generously: the tests run beside others on
// small machines, under -race, and only TestEvaluationTimeout is about time.
var patient = rego.WithEvalTimeout(time.Minute)

// writeRules writes name -> content files under a new directory.
func writeRules(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

// userRule is a minimal valid v1 rule with id and match body.
func userRule(pkg, id, match string) string {
	return fmt.Sprintf(`package %s

__rego_metadoc__ := {"id": %q, "version": "1", "name": "test", "eventName": "test_%s", "description": "", "tags": [], "properties": {}}

tracee_selected_events contains {"source": "tracee", "name": "pidfd_send_signal", "origin": "*"}

%s
`, pkg, id, strings.ToLower(strings.ReplaceAll(id, "-", "_")), match)
}

func ids(t *testing.T, rt *rego.Runtime) []string {
	t.Helper()
	var out []string
	for _, s := range rt.Signatures() {
		m, err := s.GetMetadata()
		require.NoError(t, err)
		out = append(out, m.ID)
	}
	return out
}

func TestNewLoadsRules(t *testing.T) {
	builtin := []string{"PFD-1", "PFD-2", "PFD-3", "PFD-4", "PFD-5", "PFD-6"}
	cfgWithout4 := signatures.DefaultConfig()
	cfgWithout4.Disabled = []string{"PFD-4"}
	tests := []struct {
		name string
		env  string
		opts []rego.Option
		want []string
	}{
		{"built-in rules load in ID order", "", nil, builtin},
		{"a user directory adds its rules after the built-in ones", "",
			[]rego.Option{rego.WithRuleDirs("testdata/rules/user")}, append(builtin[:6:6], "USER-1")},
		{"a rule written for old Tracee in Rego v0 loads unchanged", "",
			[]rego.Option{rego.WithRuleDirs("testdata/rules/old"), rego.WithoutBuiltinRules()}, []string{"TRC-2"}},
		{"PIDFDSIG_REGO_DIR is a colon-separated list", "testdata/rules/user:testdata/rules/old",
			[]rego.Option{rego.WithoutBuiltinRules()}, []string{"USER-1", "TRC-2"}},
		{"WithoutEnvironment ignores PIDFDSIG_REGO_DIR", "testdata/rules/user",
			[]rego.Option{rego.WithoutEnvironment()}, builtin},
		{"a single file can be named", "",
			[]rego.Option{rego.WithRuleDirs("testdata/rules/user/sigusr1.rego"), rego.WithoutBuiltinRules()}, []string{"USER-1"}},
		{"Config.Disabled leaves a rule out", "",
			[]rego.Option{rego.WithConfig(cfgWithout4)}, []string{"PFD-1", "PFD-2", "PFD-3", "PFD-5", "PFD-6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(rego.EnvRuleDirs, tt.env)
			rt, err := rego.New(append([]rego.Option{patient}, tt.opts...)...)
			require.NoError(t, err)
			require.Empty(t, rt.LoadErrors())
			require.Equal(t, tt.want, ids(t, rt))
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	cfg := signatures.DefaultConfig()
	cfg.SignalProbe.Threshold = 0
	_, err := rego.New(patient, rego.WithConfig(cfg), rego.WithoutEnvironment())
	require.ErrorIs(t, err, signatures.ErrConfig)
}

// Every bad user file is reported with its file and line, and the good
// files beside it still load.
func TestLoadErrorsNameFileAndLine(t *testing.T) {
	good := userRule("tracee.GOOD", "GOOD-1", "tracee_match if input.eventName == \"pidfd_send_signal\"")
	tests := []struct {
		name    string
		file    string
		content string
		line    int
		kind    error
		message string
	}{
		{"a syntax error", "syntax.rego", "package tracee.BAD\n\ntracee_match if {\n\tinput.x ==\n}\n", 5, rego.ErrParse, "not valid Rego: unexpected } token"},
		{"an unsafe variable", "unsafe.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if x > 1"), 7, rego.ErrCompile, "var x is unsafe"},
		{"an undefined function", "undef.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if no_such_function(1)"), 7, rego.ErrCompile, "undefined function no_such_function"},
		{"http.send", "http.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if {\n\thttp.send({\"method\": \"get\", \"url\": \"http://example.com\"})\n}"), 8, rego.ErrBuiltinDenied, "http.send"},
		{"net.lookup_ip_addr", "net.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if net.lookup_ip_addr(\"example.com\")"), 7, rego.ErrBuiltinDenied, "net.lookup_ip_addr"},
		{"opa.runtime", "runtime.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if opa.runtime().env"), 7, rego.ErrBuiltinDenied, "opa.runtime"},
		{"time.now_ns", "time.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if time.now_ns() > 0"), 7, rego.ErrBuiltinDenied, "time.now_ns"},
		{"rand.intn", "rand.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if rand.intn(\"x\", 10) > 5"), 7, rego.ErrBuiltinDenied, "rand.intn"},
		{"uuid.rfc4122", "uuid.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if uuid.rfc4122(\"x\")"), 7, rego.ErrBuiltinDenied, "uuid.rfc4122"},
		{"a misspelt input field", "typo.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if input.pidfdsig.call.signl == \"SIGKILL\""), 7, rego.ErrCompile, "undefined ref: input.pidfdsig.call.signl"},
		{"a misspelt event field", "typo.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if input.processNmae == \"kill\""), 7, rego.ErrCompile, "undefined ref: input.processNmae"},
		{"a misspelt field of h.call", "typo.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if data.tracee.pidfdsig.helpers.call.signl == \"SIGKILL\""), 7, rego.ErrCompile, "undefined ref: data.tracee.pidfdsig.helpers.call.signl"},
		{"a misspelt field of h.call.sender", "typo.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if data.tracee.pidfdsig.helpers.call.sender.uidd == 0"), 7, rego.ErrCompile, "undefined ref: data.tracee.pidfdsig.helpers.call.sender.uidd"},
		{"a misspelt target field", "typo.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if input.pidfdsig.target.uidd == 0"), 7, rego.ErrCompile, "undefined ref: input.pidfdsig.target.uidd"},
		{"a misspelt field under a schemas annotation", "typo.rego", "# METADATA\n# scope: package\n# schemas:\n#   - input: schema.input\n" + userRule("tracee.BAD", "BAD-1", "tracee_match if input.pidfdsig.target.uidd == 0"), 11, rego.ErrCompile, "undefined ref: input.pidfdsig.target.uidd"},
		{"a number field compared with a string", "typo.rego", userRule("tracee.BAD", "BAD-1", "tracee_match if input.pidfdsig.call.sig == \"9\""), 7, rego.ErrCompile, "rego_type_error"},
		{"no metadoc", "nometa.rego", "package tracee.BAD\n\ntracee_selected_events contains {\"source\": \"tracee\", \"name\": \"x\"}\n\ntracee_match := true\n", 1, rego.ErrRuleContract, "__rego_metadoc__"},
		{"no selected events", "nosel.rego", "package tracee.BAD\n\n__rego_metadoc__ := {\"id\": \"BAD-1\", \"eventName\": \"bad\"}\n\ntracee_match := true\n", 1, rego.ErrRuleContract, "tracee_selected_events"},
		{"a metadoc without an id", "noid.rego", "package tracee.BAD\n\n__rego_metadoc__ := {\"eventName\": \"bad\"}\n\ntracee_selected_events contains {\"source\": \"tracee\", \"name\": \"x\"}\n\ntracee_match := true\n", 1, rego.ErrRuleContract, "non-empty id"},
		{"a duplicate id", "zdup.rego", userRule("tracee.DUP", "GOOD-1", "tracee_match := true"), 1, rego.ErrDuplicateID, "GOOD-1"},
		{"a built-in id", "fake.rego", userRule("tracee.FAKE", "PFD-1", "tracee_match := true"), 3, rego.ErrReservedID, "PFD-1"},
		{"a built-in id in other letters", "fake.rego", userRule("tracee.FAKE", "pfd-1", "tracee_match := true"), 3, rego.ErrReservedID, "pfd-1"},
		{"a future built-in id", "fake.rego", userRule("tracee.FAKE", "PFD-99", "tracee_match := true"), 3, rego.ErrReservedID, "PFD-99"},
		{"a built-in package", "reserved.rego", "package tracee.PFD_1\n\nextra := 1\n", 1, rego.ErrProtected, "package tracee.PFD_1 is inside tracee.PFD_*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRules(t, map[string]string{tt.file: tt.content, "good.rego": good, "good_test.rego": "not rego at all"})
			rt, err := rego.New(patient, rego.WithRuleDirs(dir), rego.WithoutEnvironment())
			require.NoError(t, err)
			errs := rt.LoadErrors()
			require.NotEmpty(t, errs)
			e := errs[0]
			assert.Equal(t, filepath.Join(dir, tt.file), e.File)
			assert.Equal(t, tt.line, e.Line)
			assert.ErrorIs(t, e, tt.kind)
			assert.Contains(t, e.Error(), fmt.Sprintf("%s:%d: ", e.File, tt.line))
			assert.Contains(t, e.Error(), tt.message)
			assert.Contains(t, ids(t, rt), "GOOD-1", "the good file still loads")
			assert.Contains(t, ids(t, rt), "PFD-1", "the built-in rules still load")
		})
	}
}

func TestLoadErrorsAreLogged(t *testing.T) {
	dir := writeRules(t, map[string]string{"bad.rego": "package x\n\nnot rego\n"})
	var log recordingLogger
	rt, err := rego.New(patient, rego.WithRuleDirs(dir, filepath.Join(dir, "missing")), rego.WithoutEnvironment(), rego.WithLogger(&log))
	require.NoError(t, err)
	errs := rt.LoadErrors()
	require.Len(t, errs, 2)
	assert.ErrorIs(t, errs[1], os.ErrNotExist)
	assert.Equal(t, 2, log.count())
	assert.Len(t, rt.Signatures(), 6)
}

// findingsOf initialises every signature of rt and feeds it evs.
func runRules(t *testing.T, rt *rego.Runtime, evs ...trace.Event) []*detect.Finding {
	t.Helper()
	var mu sync.Mutex
	var out []*detect.Finding
	for _, s := range rt.Signatures() {
		require.NoError(t, s.Init(detect.SignatureContext{Callback: func(f *detect.Finding) {
			mu.Lock()
			out = append(out, f)
			mu.Unlock()
		}}))
	}
	for _, ev := range evs {
		for _, s := range rt.Signatures() {
			require.NoError(t, s.OnEvent(ev.ToProtocol()))
		}
	}
	return out
}

// sendSignalEvent is a pidfd_send_signal on pidfd 3 from an unprivileged
// user.
func sendSignalEvent(sig int32, ret int) trace.Event {
	return sendEvent(procs[1], 3, sig, 0, 0, ret, 1000)
}

func TestFindingsCarryTheRuleResult(t *testing.T) {
	rt, err := rego.New(patient, rego.WithRuleDirs("testdata/rules/user", "testdata/rules/old"), rego.WithoutEnvironment(), rego.WithoutBuiltinRules())
	require.NoError(t, err)
	ptrace := trace.Event{EventName: "ptrace", Args: []trace.Argument{{ArgMeta: trace.ArgMeta{Name: "request"}, Value: "PTRACE_TRACEME"}}}
	ev := sendSignalEvent(10, 0)
	out := runRules(t, rt, ev, ptrace)
	require.Len(t, out, 2)

	assert.Equal(t, "USER-1", out[0].SigMetadata.ID)
	assert.Equal(t, map[string]any{"signal": "SIGUSR1", "target_source": "unknown"}, out[0].Data,
		"the runtime's own tracker never saw fd 3 opened")
	payload, ok := out[0].Event.Payload.(trace.Event)
	require.True(t, ok)
	assert.Equal(t, ev.Timestamp, payload.Timestamp, "the finding carries the triggering event")

	assert.Equal(t, "TRC-2", out[1].SigMetadata.ID)
	assert.Nil(t, out[1].Data, "a bare true match is a finding without data, as in old Tracee")
	assert.Equal(t, 3, out[1].SigMetadata.Properties["Severity"], "integral numbers in metadata are Go ints")
}

// recordingLogger counts warnings and errors.
type recordingLogger struct {
	mu   sync.Mutex
	msgs []string
}

func (l *recordingLogger) Debugw(string, ...any) {}
func (l *recordingLogger) Infow(string, ...any)  {}
func (l *recordingLogger) Warnw(msg string, kv ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, fmt.Sprint(msg, kv))
}
func (l *recordingLogger) Errorw(msg string, kv ...any) { l.Warnw(msg, kv...) }

func (l *recordingLogger) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.msgs)
}

func (l *recordingLogger) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.msgs, "\n")
}

// An expensive rule is cut short at the evaluation timeout, logged and
// counted; the other rules still fire on the same event.
func TestEvaluationTimeout(t *testing.T) {
	slow := userRule("tracee.SLOW", "SLOW-1", `tracee_match if {
	count([x |
		some i in numbers.range(1, 100000)
		some j in numbers.range(1, 100000)
		x := i * j
	]) > 0
}`)
	fast := userRule("tracee.FAST", "FAST-1", "tracee_match := {\"ok\": true}")
	dir := writeRules(t, map[string]string{"slow.rego": slow, "fast.rego": fast})
	for _, eng := range engineOptions {
		t.Run(eng.name, func(t *testing.T) {
			testTimeout(t, dir, eng.name, eng.opts...)
		})
	}
}

// engineOptions select each engine.
var engineOptions = []struct {
	name string
	opts []rego.Option
}{
	{rego.EnginePlan, nil},
	{rego.EngineTopdown, []rego.Option{rego.WithTopdown()}},
}

func testTimeout(t *testing.T, dir, engine string, opts ...rego.Option) {
	var log recordingLogger
	rt, err := rego.New(append([]rego.Option{rego.WithRuleDirs(dir), rego.WithoutEnvironment(), rego.WithoutBuiltinRules(),
		rego.WithEvalTimeout(500 * time.Millisecond),
		// Only the time bound: OPA's evaluator allocates more in 500ms
		// than the default memory budget.
		rego.WithMemoryBudget(1 << 40)}, opts...)...)
	require.NoError(t, err)
	for _, s := range rt.Rules() {
		require.Equal(t, engine, s.Engine())
	}
	var found []string
	for _, s := range rt.Rules() {
		require.NoError(t, s.Init(detect.SignatureContext{Logger: &log, Callback: func(f *detect.Finding) {
			found = append(found, f.SigMetadata.ID)
		}}))
	}
	// The slow rule's Timeouts count below proves it was stopped (no
	// wall-clock assertion, which a loaded machine would break).
	for _, s := range rt.Rules() {
		require.NoError(t, s.OnEvent(sendSignalEvent(9, 0).ToProtocol()))
	}
	assert.Equal(t, []string{"FAST-1"}, found)
	byID := map[string]rego.Stats{}
	for _, s := range rt.Rules() {
		m, _ := s.GetMetadata()
		byID[m.ID] = s.Stats()
	}
	assert.Equal(t, rego.Stats{Events: 1, Evaluations: 1, Errors: 1, Timeouts: 1}, byID["SLOW-1"])
	assert.Equal(t, rego.Stats{Events: 1, Evaluations: 1, Findings: 1}, byID["FAST-1"])
	assert.Contains(t, log.text(), "SLOW-1")
	assert.Contains(t, log.text(), "exceeded 500ms")
}

// A rule whose evaluation fails (two values for one complete rule) is
// counted and logged; it does not stop the engine.
func TestEvaluationErrorIsCounted(t *testing.T) {
	conflict := userRule("tracee.CONFLICT", "CONFLICT-1", "tracee_match := {\"v\": 1} if true\n\ntracee_match := {\"v\": 2} if true")
	dir := writeRules(t, map[string]string{"c.rego": conflict})
	for _, eng := range engineOptions {
		t.Run(eng.name, func(t *testing.T) {
			var log recordingLogger
			rt, err := rego.New(append([]rego.Option{patient, rego.WithRuleDirs(dir), rego.WithoutEnvironment(), rego.WithoutBuiltinRules(),
				rego.WithLogger(&log)}, eng.opts...)...)
			require.NoError(t, err)
			require.Empty(t, rt.LoadErrors())
			require.Equal(t, eng.name, rt.Rules()[0].Engine())
			assert.Empty(t, runRules(t, rt, sendSignalEvent(9, 0), sendSignalEvent(9, 0)))
			st := rt.Rules()[0].Stats()
			assert.Equal(t, uint64(2), st.Errors)
			assert.Equal(t, uint64(0), st.Timeouts)
			assert.Contains(t, log.text(), "eval_conflict_error")
		})
	}
}

func TestSignatureLifecycle(t *testing.T) {
	rt, err := rego.New(patient, rego.WithRuleDirs("testdata/rules/user"), rego.WithoutEnvironment(), rego.WithoutBuiltinRules())
	require.NoError(t, err)
	s := rt.Rules()[0]
	var n atomic.Int32
	cb := func(*detect.Finding) { n.Add(1) }
	ev := sendSignalEvent(10, 0)

	t.Run("Init needs a callback", func(t *testing.T) {
		require.Error(t, s.Init(detect.SignatureContext{}))
	})
	t.Run("OnEvent before Init does nothing", func(t *testing.T) {
		require.NoError(t, s.OnEvent(ev.ToProtocol()))
		assert.Zero(t, n.Load())
	})
	t.Run("a pointer payload is accepted", func(t *testing.T) {
		require.NoError(t, s.Init(detect.SignatureContext{Callback: cb}))
		require.NoError(t, s.OnEvent(protocol.Event{Payload: &ev}))
		assert.Equal(t, int32(1), n.Load())
	})
	t.Run("a payload that is not a trace.Event is counted, not an error", func(t *testing.T) {
		require.NoError(t, s.OnEvent(protocol.Event{Payload: "garbage"}))
		assert.Equal(t, uint64(1), s.Stats().WrongPayloads)
	})
	t.Run("an unselected event is not evaluated", func(t *testing.T) {
		before := s.Stats().Evaluations
		require.NoError(t, s.OnEvent(trace.Event{EventName: "openat"}.ToProtocol()))
		assert.Equal(t, before, s.Stats().Evaluations)
	})
	t.Run("OnEvent after Close is a no-op", func(t *testing.T) {
		s.Close()
		require.NoError(t, s.OnEvent(ev.ToProtocol()))
		assert.Equal(t, int32(1), n.Load())
		s.Close()
	})
	t.Run("Init after Close starts again", func(t *testing.T) {
		require.NoError(t, s.Init(detect.SignatureContext{Callback: cb}))
		require.NoError(t, s.OnEvent(ev.ToProtocol()))
		assert.Equal(t, int32(2), n.Load())
	})
	t.Run("OnSignal accepts source completion", func(t *testing.T) {
		require.NoError(t, s.OnSignal(detect.SignalSourceComplete("tracee")))
	})
}

// GetSelectedEvents adds the resolver's companion events so that Tracee
// delivers them, and the resolver observes them.
func TestSelectedEventsIncludeTheResolversEvents(t *testing.T) {
	tracker := target.NewTracker()
	rt, err := rego.New(patient, rego.WithResolver(tracker), rego.WithoutEnvironment())
	require.NoError(t, err)
	for _, s := range rt.Signatures() {
		sel, err := s.GetSelectedEvents()
		require.NoError(t, err)
		names := map[string]bool{}
		for _, x := range sel {
			names[x.Name] = true
			assert.Equal(t, "tracee", x.Source)
			assert.Equal(t, "*", x.Origin)
		}
		for _, n := range tracker.SelectedEvents() {
			assert.True(t, names[n], n)
		}
		assert.True(t, names["pidfd_send_signal"])
	}
}

// Many goroutines feeding every rule while others Close and re-Init them:
// run with -race.
func TestConcurrentUse(t *testing.T) {
	// A generous timeout: under -race, nine goroutines on a small machine
	// would turn this race test into a timing test.
	rt, err := rego.New(rego.WithoutEnvironment(), rego.WithRuleDirs("testdata/rules/user"), rego.WithEvalTimeout(time.Minute))
	require.NoError(t, err)
	var findings atomic.Int64
	cb := func(*detect.Finding) { findings.Add(1) }
	for _, s := range rt.Signatures() {
		require.NoError(t, s.Init(detect.SignatureContext{Callback: cb}))
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				ev := sendEvent(procs[(g+i)%len(procs)], 3, []int32{0, 9, 10, 15}[i%4], 0, uint32(i%9), []int{0, -1, -22}[i%3], 1000+i)
				for _, s := range rt.Signatures() {
					assert.NoError(t, s.OnEvent(ev.ToProtocol()))
				}
			}
		}(g)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			s := rt.Signatures()[i%len(rt.Signatures())]
			s.Close()
			assert.NoError(t, s.Init(detect.SignatureContext{Callback: cb}))
		}
	}()
	wg.Wait()
	assert.Positive(t, findings.Load())
	for _, s := range rt.Rules() {
		assert.Zero(t, s.Stats().Errors, "%+v", s.Stats())
	}
}

func TestLoadErrorMessage(t *testing.T) {
	e := &rego.LoadError{File: "x.rego", Line: 3, Err: rego.ErrParse}
	assert.Equal(t, "rego: x.rego:3: not valid Rego", e.Error())
	assert.True(t, errors.Is(e, rego.ErrParse))
	e = &rego.LoadError{File: "dir", Err: os.ErrNotExist}
	assert.Equal(t, "rego: dir: file does not exist", e.Error())
	ee := &rego.EvalError{ID: "PFD-1", Event: "pidfd_send_signal", Err: os.ErrDeadlineExceeded}
	assert.Equal(t, "rego: PFD-1: event pidfd_send_signal: i/o timeout", ee.Error())
	assert.ErrorIs(t, ee, os.ErrDeadlineExceeded)
}

// Events with missing or mistyped fields reach the rules with what they
// have: the built-in rules stay silent, a rule can read the decoding error,
// and nothing panics or errors.
func TestEventsMissingFields(t *testing.T) {
	echo := userRule("tracee.ECHO", "ECHO-1", "tracee_match := {\"error\": input.pidfdsig.error}")
	rt, err := rego.New(patient, rego.WithRuleDirs(writeRules(t, map[string]string{"echo.rego": echo})), rego.WithoutEnvironment())
	require.NoError(t, err)
	arg := func(name string, v any) trace.Argument {
		return trace.Argument{ArgMeta: trace.ArgMeta{Name: name}, Value: v}
	}
	tests := []struct {
		name  string
		event trace.Event
		err   string
	}{
		{"no arguments", trace.Event{EventName: "pidfd_send_signal"}, "argument pidfd: missing argument"},
		{"a string signal", trace.Event{EventName: "pidfd_send_signal", Args: []trace.Argument{
			arg("pidfd", 3), arg("sig", "kill"), arg("info", 0), arg("flags", 0)}}, "argument sig: argument is not a number"},
		{"nil values", trace.Event{EventName: "pidfd_send_signal", Args: []trace.Argument{
			arg("pidfd", nil), arg("sig", nil), arg("info", nil), arg("flags", nil)}}, "argument pidfd: unsupported argument type"},
		{"flags out of range", trace.Event{EventName: "pidfd_send_signal", Args: []trace.Argument{
			arg("pidfd", 3), arg("sig", 9), arg("info", 0), arg("flags", uint64(1<<40))}}, "argument flags: argument out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runRules(t, rt, tt.event)
			require.Len(t, out, 1)
			assert.Equal(t, "ECHO-1", out[0].SigMetadata.ID)
			assert.Contains(t, out[0].Data["error"], tt.err)
			for _, s := range rt.Rules() {
				assert.Zero(t, s.Stats().Errors)
			}
		})
	}
}

// TestEngineChoice: rules run on the plan machine unless WithTopdown or
// PIDFDSIG_REGO_ENGINE=topdown; an unknown engine is logged and ignored.
func TestEngineChoice(t *testing.T) {
	tests := []struct {
		name     string
		env      string
		opts     []rego.Option
		want     string
		warnings int
	}{
		{"the plan machine by default", "", nil, rego.EnginePlan, 0},
		{"WithTopdown", "", []rego.Option{rego.WithTopdown()}, rego.EngineTopdown, 0},
		{"PIDFDSIG_REGO_ENGINE=topdown", "topdown", nil, rego.EngineTopdown, 0},
		{"PIDFDSIG_REGO_ENGINE=plan", "plan", nil, rego.EnginePlan, 0},
		{"an unknown engine is ignored", "wasm", nil, rego.EnginePlan, 1},
		{"WithoutEnvironment ignores PIDFDSIG_REGO_ENGINE", "topdown", []rego.Option{rego.WithoutEnvironment()}, rego.EnginePlan, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(rego.EnvEngine, tt.env)
			t.Setenv(rego.EnvRuleDirs, "")
			logger := &recordingLogger{}
			rt, err := rego.New(append([]rego.Option{patient, rego.WithLogger(logger)}, tt.opts...)...)
			require.NoError(t, err)
			require.NotEmpty(t, rt.Rules())
			for _, r := range rt.Rules() {
				assert.Equal(t, tt.want, r.Engine(), r.Package())
			}
			assert.Equal(t, tt.warnings, logger.count(), logger.msgs)
		})
	}
}

// TestUnplannableRuleRunsOnTopdown: a rule OPA cannot plan runs on OPA's
// evaluator, and the other rules stay on the plan machine.
func TestUnplannableRuleRunsOnTopdown(t *testing.T) {
	rt, err := rego.New(patient, rego.WithoutEnvironment(),
		rego.WithRuleDirs("testdata/rules/unplannable", "testdata/rules/user"))
	require.NoError(t, err)
	require.Empty(t, rt.LoadErrors())
	engines := map[string]string{}
	for _, r := range rt.Rules() {
		m, _ := r.GetMetadata()
		engines[m.ID] = r.Engine()
	}
	assert.Equal(t, rego.EngineTopdown, engines["SLASH-1"])
	assert.Equal(t, rego.EnginePlan, engines["USER-1"])
	assert.Equal(t, rego.EnginePlan, engines["PFD-1"])
	out := runRules(t, rt, sendSignalEvent(10, 0))
	var fired []string
	for _, f := range out {
		fired = append(fired, f.SigMetadata.ID)
	}
	assert.Contains(t, fired, "SLASH-1")
	assert.Contains(t, fired, "USER-1")
}
