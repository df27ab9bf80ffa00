package rego

import "fmt"

// strikes counts a signature's failed evaluations; at the runtime's
// maxStrikes the rule is switched off. Guarded by the signature's lock.
type strikes struct {
	n   int
	off error // why the rule was switched off; nil while it runs
}

// strike records a failed evaluation, and switches the rule off, reporting
// it once at error level, when it is the last strike the runtime allows.
// The built-in rules are ours and tested against the same bounds: they are
// never switched off, so that an agent starved of CPU, whose evaluations
// run out of wall-clock time, does not lose them for good.
func (s *Signature) strike(err error) {
	s.strikes.n++
	if s.rule.builtin || s.rt.maxStrikes < 0 || s.strikes.n < s.rt.maxStrikes || s.strikes.off != nil {
		return
	}
	s.strikes.off = fmt.Errorf("%w after %d failed evaluations: %w", ErrSwitchedOff, s.strikes.n, err)
	s.stats.switchedOff.Store(true)
	if s.logger != nil {
		s.logger.Errorw("pidfdsig: rego rule switched off", "signature", s.rule.meta.ID, "file", s.rule.file,
			"strikes", s.strikes.n, "reason", s.strikes.off.Error())
	}
}

// SwitchedOff returns why the rule was switched off (wrapping
// ErrSwitchedOff and its last evaluation error), or nil while it runs.
// A switched-off rule still lets the Resolver observe the events it gets.
func (s *Signature) SwitchedOff() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.strikes.off
}
