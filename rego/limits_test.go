package rego_test

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aquasecurity/tracee/types/detect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
)

// A rule that keeps failing is switched off after the strikes, reported
// once with its file and reason; the other rules go on.
func TestStrikesSwitchARuleOff(t *testing.T) {
	conflict := userRule("tracee.CONFLICT", "CONFLICT-1", "tracee_match := {\"n\": 1} if true\n\ntracee_match := {\"n\": 2} if true")
	fine := userRule("tracee.FINE", "FINE-1", "tracee_match := {\"ok\": true}")
	dir := writeRules(t, map[string]string{"conflict.rego": conflict, "fine.rego": fine})
	for _, eng := range engineOptions {
		for _, tc := range []struct {
			name    string
			strikes int
			off     bool
		}{
			{"after the strikes", 3, true},
			{"never, when told so", -1, false},
		} {
			t.Run(eng.name+"/"+tc.name, func(t *testing.T) {
				var log errorLogger
				rt, err := rego.New(append([]rego.Option{patient, rego.WithRuleDirs(dir), rego.WithoutEnvironment(), rego.WithoutBuiltinRules(),
					rego.WithLogger(&log), rego.WithMaxStrikes(tc.strikes)}, eng.opts...)...)
				require.NoError(t, err)
				var found int
				for _, s := range rt.Rules() {
					require.NoError(t, s.Init(detect.SignatureContext{Logger: &log, Callback: func(*detect.Finding) { found++ }}))
				}
				for range 6 {
					for _, s := range rt.Rules() {
						require.NoError(t, s.OnEvent(sendSignalEvent(9, 0).ToProtocol()))
					}
				}
				assert.Equal(t, 6, found, "the other rule goes on")
				byID := map[string]*rego.Signature{}
				for _, s := range rt.Rules() {
					m, _ := s.GetMetadata()
					byID[m.ID] = s
				}
				bad := byID["CONFLICT-1"]
				st := bad.Stats()
				assert.Equal(t, uint64(6), st.Events)
				assert.Nil(t, byID["FINE-1"].SwitchedOff())
				if !tc.off {
					assert.Nil(t, bad.SwitchedOff())
					assert.Equal(t, uint64(6), st.Errors)
					assert.Empty(t, log.errors)
					return
				}
				off := bad.SwitchedOff()
				require.Error(t, off)
				assert.ErrorIs(t, off, rego.ErrSwitchedOff)
				assert.Contains(t, off.Error(), "after 3 failed evaluations")
				assert.Contains(t, off.Error(), "eval_conflict_error")
				assert.True(t, st.SwitchedOff)
				assert.Equal(t, uint64(3), st.Evaluations, "no evaluation after the switch")
				assert.Equal(t, uint64(3), st.Errors)
				require.Len(t, log.errors, 1, "reported once")
				assert.Equal(t, "CONFLICT-1", log.errors[0]["signature"])
				assert.Equal(t, bad.File(), log.errors[0]["file"])
				assert.Equal(t, off.Error(), log.errors[0]["reason"])
			})
		}
	}
}

// WithMemoryBudget sets the budget of every evaluation, on both engines.
func TestMemoryBudgetOption(t *testing.T) {
	dir := writeRules(t, map[string]string{"r.rego": userRule("tracee.RANGE", "RANGE-1",
		"tracee_match := {\"n\": count(numbers.range(1, 100000))}")})
	for _, eng := range engineOptions {
		for _, tc := range []struct {
			name   string
			budget int64
			fires  bool
		}{
			{"the default lets it build", 0, true},
			{"a small budget stops it", 1 << 20, false},
		} {
			t.Run(eng.name+"/"+tc.name, func(t *testing.T) {
				var log recordingLogger
				rt, err := rego.New(append([]rego.Option{patient, rego.WithRuleDirs(dir), rego.WithoutEnvironment(), rego.WithoutBuiltinRules(),
					rego.WithLogger(&log), rego.WithMemoryBudget(tc.budget)}, eng.opts...)...)
				require.NoError(t, err)
				out := runRules(t, rt, sendSignalEvent(9, 0))
				st := rt.Rules()[0].Stats()
				if tc.fires {
					require.Len(t, out, 1)
					assert.Equal(t, map[string]any{"n": int64(100000)}, out[0].Data)
					assert.Zero(t, st.Errors)
					return
				}
				assert.Empty(t, out)
				assert.Equal(t, uint64(1), st.OverBudget)
				assert.Equal(t, uint64(1), st.Errors)
				assert.Contains(t, log.text(), "memory budget exceeded: numbers.range would build about 4.58 MiB, over the budget of 1 MiB of one evaluation")
			})
		}
	}
}

func TestLimitsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		opts int
		errs []string
	}{
		{"nothing set", nil, 0, nil},
		{"all three", map[string]string{rego.EnvEvalTimeout: "250ms", rego.EnvMemoryBudget: "32MiB", rego.EnvMaxStrikes: "3"}, 3, nil},
		{"bytes and off", map[string]string{rego.EnvMemoryBudget: "1048576", rego.EnvMaxStrikes: "off"}, 2, nil},
		{"bad values are reported", map[string]string{rego.EnvEvalTimeout: "soon", rego.EnvMemoryBudget: "-5MiB", rego.EnvMaxStrikes: "0"}, 0,
			[]string{rego.EnvEvalTimeout, rego.EnvMemoryBudget, rego.EnvMaxStrikes}},
		{"a unit is required to be known", map[string]string{rego.EnvMemoryBudget: "64MB"}, 0, []string{rego.EnvMemoryBudget}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, errs := rego.LimitsFromEnv(func(k string) string { return tc.env[k] })
			assert.Len(t, opts, tc.opts)
			require.Len(t, errs, len(tc.errs))
			for i, name := range tc.errs {
				assert.Contains(t, errs[i].Error(), name)
			}
		})
	}
}

// New reads the limits from the environment unless WithoutEnvironment;
// explicit options win.
func TestLimitsFromTheEnvironment(t *testing.T) {
	dir := writeRules(t, map[string]string{"r.rego": userRule("tracee.RANGE", "RANGE-1",
		"tracee_match := {\"n\": count(numbers.range(1, 100000))}")})
	t.Setenv(rego.EnvMemoryBudget, "1MiB")
	t.Setenv(rego.EnvRuleDirs, "")
	rt, err := rego.New(patient, rego.WithRuleDirs(dir), rego.WithoutBuiltinRules())
	require.NoError(t, err)
	assert.Empty(t, runRules(t, rt, sendSignalEvent(9, 0)), "the environment's budget stops the rule")

	rt, err = rego.New(patient, rego.WithRuleDirs(dir), rego.WithoutBuiltinRules(), rego.WithMemoryBudget(rego.DefaultMemoryBudget))
	require.NoError(t, err)
	assert.Len(t, runRules(t, rt, sendSignalEvent(9, 0)), 1, "an explicit option wins")
}

// A rule that computes its selection without bound does not load, on
// both engines, and leaves the others loaded.
func TestLoadIsBounded(t *testing.T) {
	bomb, err := os.ReadFile(hostileDir + "/load_bomb.rego")
	require.NoError(t, err)
	dir := writeRules(t, map[string]string{"bomb.rego": string(bomb), "fine.rego": userRule("tracee.FINE", "FINE-1", "tracee_match := true")})
	for _, eng := range engineOptions {
		rt, err := rego.New(append([]rego.Option{rego.WithEvalTimeout(50 * time.Millisecond), rego.WithRuleDirs(dir), rego.WithoutEnvironment(), rego.WithoutBuiltinRules()}, eng.opts...)...)
		require.NoError(t, err)
		assert.Equal(t, []string{"FINE-1"}, ids(t, rt), eng.name)
		require.Len(t, rt.LoadErrors(), 1)
		le := rt.LoadErrors()[0]
		assert.True(t, errors.Is(le, rego.ErrTimeout) || errors.Is(le, rego.ErrMemoryBudget), "%v", le)
		assert.ErrorIs(t, le, rego.ErrRuleContract)
	}
}

// A rule whose evaluations fail too often is switched off: the runtime
// says so once, with the rule's file and the last error.
func ExampleWithMaxStrikes() {
	rt, err := rego.New(
		rego.WithRuleDirs("testdata/rules/hostile/range_memory.rego"),
		rego.WithoutBuiltinRules(),
		rego.WithoutEnvironment(),
		rego.WithMemoryBudget(64<<20),
		rego.WithMaxStrikes(1),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	sig := rt.Rules()[0]
	if err := sig.Init(detect.SignatureContext{Callback: func(*detect.Finding) {}}); err != nil {
		fmt.Println(err)
		return
	}
	_ = sig.OnEvent(sendSignalEvent(10, 0).ToProtocol())
	fmt.Println(sig.SwitchedOff())
	// Output:
	// rule switched off after 1 failed evaluations: rego: HOSTILE-1: event pidfd_send_signal: memory budget exceeded: numbers.range would build about 8.94 GiB, over the budget of 64 MiB of one evaluation
}
