package signatures

import "github.com/pidfdsig/pidfdsig/target"

// *target.Tracker is the Resolver the signatures are built for.
var (
	_ Resolver      = (*target.Tracker)(nil)
	_ EventSelector = (*target.Tracker)(nil)
)

// defaultResolver returns the Resolver of signatures built without
// WithResolver: an offline tracker, which learns only from the events.
func defaultResolver() Resolver { return target.NewTracker() }
