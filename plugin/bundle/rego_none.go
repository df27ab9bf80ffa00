//go:build pidfdsig_noopa

package bundle

import (
	"fmt"
	"strings"

	"github.com/aquasecurity/tracee/types/detect"

	"github.com/pidfdsig/pidfdsig/signatures"
	"github.com/pidfdsig/pidfdsig/target"
)

// withOPA reports that this build carries the Rego runtime: the Go-only
// variant does not.
const withOPA = false

// regoSignatures returns no rule: without OPA, user rules are a problem.
func regoSignatures(_ signatures.Config, _ *target.FollowedTracker, _, _ bool, dirs []string, _ func(string) string) ([]detect.Signature, []error) {
	if len(dirs) == 0 {
		return nil, nil
	}
	return nil, []error{fmt.Errorf("%s=%s: this plugin was built without OPA (go-only variant): the rules are not loaded",
		EnvRegoDir, strings.Join(dirs, ":"))}
}
