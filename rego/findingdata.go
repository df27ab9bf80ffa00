package rego

import (
	"fmt"

	"github.com/pidfdsig/pidfdsig/signatures"
)

// findingData returns the object a rule's tracee_match returned, as OPA's
// evaluator or the plan machine decode it, in the types of finding data
// (signatures.DataValue): the types the Go signatures give the same keys,
// and types Tracee converts. The object's maps and slices are converted in
// place.
func findingData(x any) (map[string]any, error) {
	m, ok := x.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("tracee_match: an object decoded as %T", x)
	}
	if err := signatures.DataValues(m); err != nil {
		return nil, fmt.Errorf("tracee_match: %w", err)
	}
	return m, nil
}
