package signatures

import (
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

var crossUserSignalMetadata = newMetadata(
	IDCrossUserSignal,
	"Signal sent to another user's process through a pidfd",
	"pidfd_cross_user_signal",
	"A process signalled, or tried to signal, a process owned by another user with pidfd_send_signal. "+
		"An unprivileged process that succeeds holds CAP_KILL or matching credentials it should not have; "+
		"one refused with EPERM was trying to stop or tamper with a process it does not own.",
	severityHigh, &techDisableTools,
)

// CrossUserSignal is PFD-1, pidfd_cross_user_signal. It reports a real signal
// (not the probe, which is PFD-4's) that was delivered to, or refused with
// EPERM for, a process whose real uid is known and differs from the
// sender's uid. Senders with uid 0 are skipped unless
// Config.CrossUser.IncludeRootSenders is set.
//
// Severity is 3 for a delivered terminating or stopping signal, 2 for any
// other delivered signal or a refused terminating or stopping one, 1 for
// other refused signals. Technique: T1489 Service Stop for a terminating or
// stopping signal to a process group, T1014 Rootkit for a real-time signal
// (a common rootkit control channel), T1562.001 Disable or Modify Tools
// otherwise.
type CrossUserSignal struct {
	core
	includeRoot bool
}

// NewCrossUserSignal builds PFD-1 from cfg.
func NewCrossUserSignal(cfg Config, opts ...Option) (*CrossUserSignal, error) {
	s := &CrossUserSignal{includeRoot: cfg.CrossUser.IncludeRootSenders}
	if err := s.setup(crossUserSignalMetadata, s, &cfg, opts); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *CrossUserSignal) candidate(call *events.SendSignal) bool {
	return !call.Signal.IsProbe() && call.Signal.Valid() && !call.TargetsSelf() &&
		(call.Result.OK() || call.Result.Is(events.EPERM)) &&
		(call.Sender.UID != 0 || s.includeRoot)
}

func (s *CrossUserSignal) match(call *events.SendSignal, t *target.Target) (verdict, bool) {
	sender := &call.Sender
	if !s.candidate(call) || !t.UIDKnown || t.IsSender || t.UID == sender.UID {
		return verdict{}, false
	}
	v := verdict{reasons: reasonPermissionDenied}
	if call.Result.OK() {
		v.reasons = reasonDelivered
	}
	if sender.UID == 0 {
		v.reasons |= reasonRootSender
	}
	v.severity, v.technique = crossUserClass(call)
	return v, true
}

// crossUserClass grades a cross-user call by what the signal does and
// whether it was delivered.
func crossUserClass(call *events.SendSignal) (int, *technique) {
	disruptive := isDisruptive(call.Signal)
	sev := severityLow
	switch {
	case call.Result.OK() && disruptive:
		sev = severityHigh
	case call.Result.OK() || disruptive:
		sev = severityMedium
	}
	switch {
	case disruptive && call.Scope() == events.ScopeProcessGroup:
		return sev, &techServiceStop
	case call.Signal.IsRealtime():
		return sev, &techRootkit
	default:
		return sev, &techDisableTools
	}
}

// isDisruptive reports whether s terminates or stops its target unless the
// target handles it.
func isDisruptive(s events.Signal) bool {
	a := s.DefaultAction()
	return a == events.ActionTerminate || a == events.ActionStop
}
