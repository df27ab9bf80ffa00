//go:build !pidfdsig_noopa

package bundle

import (
	"fmt"

	"github.com/aquasecurity/tracee/types/detect"

	"github.com/pidfdsig/pidfdsig/rego"
	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// withOPA reports that this build carries the Rego runtime.
const withOPA = true

// regoSignatures returns the Rego rules: the built-in ones when builtin is
// set, and the user's from dirs. A rule file that does not load is a
// problem, not a failure.
func regoSignatures(cfg signatures.Config, resolver *target.FollowedTracker, builtin, topdown bool, dirs []string, getenv func(string) string) ([]detect.Signature, []error) {
	var problems []error
	opts := []rego.Option{
		rego.WithConfig(cfg),
		rego.WithResolver(resolver),
		rego.WithRuleDirs(dirs...),
		rego.WithoutEnvironment(), // FromEnv has read it
	}
	if topdown {
		opts = append(opts, rego.WithTopdown())
	}
	if getenv != nil {
		limits, errs := rego.LimitsFromEnv(getenv)
		opts = append(opts, limits...)
		problems = append(problems, errs...)
	}
	if !builtin {
		if len(dirs) == 0 {
			return nil, problems
		}
		opts = append(opts, rego.WithoutBuiltinRules())
	}
	rt, err := rego.New(opts...)
	if err != nil {
		return nil, append(problems, err)
	}
	for _, e := range rt.LoadErrors() {
		problems = append(problems, e)
	}
	for _, r := range rt.Rules() {
		if !topdown && r.Engine() != rego.EnginePlan {
			m, _ := r.GetMetadata()
			problems = append(problems, fmt.Errorf("rule %s (%s) runs on OPA's evaluator, tens of times slower: OPA could not plan it", m.ID, r.File()))
		}
	}
	return rt.Signatures(), problems
}
