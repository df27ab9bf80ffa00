package rego

import (
	"github.com/aquasecurity/tracee/types/detect"
	"github.com/aquasecurity/tracee/types/trace"
)

// anyName is Tracee's wildcard event name.
const anyName = "*"

// eventOrigins are the origins Tracee gives an event (trace.Event.Origin).
var eventOrigins = [...]string{
	string(trace.HostOrigin),
	string(trace.ContainerOrigin),
	string(trace.ContainerInitOrigin),
}

// covers reports whether every event selector b matches is matched by a.
func covers(a, b detect.SignatureEventSelector) bool {
	return (a.Source == b.Source || a.Source == anyName) &&
		(a.Name == b.Name || a.Name == anyName) &&
		(a.Origin == b.Origin || a.Origin == anyOrigin)
}

// disjointSelection returns the rule's selectors without those another one
// already covers, followed by selectors for the companion events the rule
// does not already receive, for the origins it does not receive them from.
// No event matches two of the returned selectors, so an engine that
// delivers an event once per matching selector (Tracee's) delivers it once.
func disjointSelection(rule []detect.SignatureEventSelector, companions []string) []detect.SignatureEventSelector {
	out := make([]detect.SignatureEventSelector, 0, len(rule)+len(companions))
	for i, s := range rule {
		if !coveredByAnother(rule, i, s) {
			out = append(out, s)
		}
	}
	kept := len(out)
	for _, name := range companions {
		all := detect.SignatureEventSelector{Source: trace.EventSource, Name: name, Origin: anyOrigin}
		if coveredBy(out[:kept], all) {
			continue
		}
		var missing []string
		for _, origin := range eventOrigins {
			if !coveredBy(out[:kept], detect.SignatureEventSelector{Source: trace.EventSource, Name: name, Origin: origin}) {
				missing = append(missing, origin)
			}
		}
		if len(missing) == len(eventOrigins) {
			out = append(out, all)
			continue
		}
		for _, origin := range missing {
			out = append(out, detect.SignatureEventSelector{Source: trace.EventSource, Name: name, Origin: origin})
		}
	}
	return out
}

// coveredByAnother reports whether a selector of sels other than the i-th
// covers s: a wider one, or an equal one earlier in the list.
func coveredByAnother(sels []detect.SignatureEventSelector, i int, s detect.SignatureEventSelector) bool {
	for j, t := range sels {
		if j == i || !covers(t, s) {
			continue
		}
		if t != s || j < i {
			return true
		}
	}
	return false
}

// coveredBy reports whether one of sels covers s.
func coveredBy(sels []detect.SignatureEventSelector, s detect.SignatureEventSelector) bool {
	for _, t := range sels {
		if covers(t, s) {
			return true
		}
	}
	return false
}
