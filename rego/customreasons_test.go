package rego_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pidfdsig/pidfdsig/rego"
)

// A custom rule's own reason names survive h.finding_data on both engines:
// the built-in ones first in their order, then the custom ones sorted.
func TestCustomRuleReasonsReachTheFinding(t *testing.T) {
	for _, engine := range []struct {
		name string
		opts []rego.Option
	}{{rego.EnginePlan, nil}, {rego.EngineTopdown, []rego.Option{rego.WithTopdown()}}} {
		t.Run(engine.name, func(t *testing.T) {
			opts := append([]rego.Option{patient, rego.WithRuleDirs("testdata/rules/reasons"),
				rego.WithoutEnvironment(), rego.WithoutBuiltinRules()}, engine.opts...)
			rt, err := rego.New(opts...)
			require.NoError(t, err)
			require.Empty(t, rt.LoadErrors())
			require.Len(t, rt.Rules(), 1)
			require.Equal(t, engine.name, rt.Rules()[0].Engine())

			out := runRules(t, rt, sendSignalEvent(10, 0))
			require.Len(t, out, 1)
			assert.Equal(t, "USER-2", out[0].SigMetadata.ID)
			data := out[0].Data
			assert.Equal(t, []string{"delivered", "a_user_reason", "sigusr1_sent"}, data["reasons"])
			assert.Equal(t, "SIGUSR1", data["signal"])
		})
	}
}
