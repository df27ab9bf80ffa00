package signatures

import (
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

var unusualFlagsMetadata = newMetadata(
	IDUnusualFlags,
	"Unusual pidfd_send_signal flags",
	"pidfd_unusual_flags",
	"pidfd_send_signal was called with flag bits the kernel does not know, with more than one scope flag, "+
		"or with PIDFD_SIGNAL_PROCESS_GROUP to kill or stop a whole process group. The first two are refused "+
		"with EINVAL: a program probing the kernel's features; the last stops every process of a group at once.",
	severityMedium, &techServiceStop,
)

// UnusualFlags is PFD-2, pidfd_unusual_flags. It reports, whatever the
// call's result, flags with bits outside the three scope flags, flags with
// more than one scope flag, and PIDFD_SIGNAL_PROCESS_GROUP with a
// terminating or stopping signal. With
// Config.UnusualFlags.IgnoreOwnProcessGroups (the default) a process-group
// kill of a group whose leader is known to run under the sender's uid (a
// shell managing its jobs) is skipped.
//
// Severity 2, technique T1489 Service Stop for a process-group kill; severity
// 1, technique T1497.001 System Checks (probing the kernel) for invalid
// flags alone.
type UnusualFlags struct {
	core
	ignoreOwnGroups bool
}

// NewUnusualFlags builds PFD-2 from cfg.
func NewUnusualFlags(cfg Config, opts ...Option) (*UnusualFlags, error) {
	s := &UnusualFlags{ignoreOwnGroups: cfg.UnusualFlags.IgnoreOwnProcessGroups}
	if err := s.setup(unusualFlagsMetadata, s, &cfg, opts); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *UnusualFlags) candidate(call *events.SendSignal) bool {
	return !call.Flags.Valid() || isProcessGroupKill(call)
}

// isProcessGroupKill reports a terminating or stopping signal sent to a
// process group.
func isProcessGroupKill(call *events.SendSignal) bool {
	return call.Flags.Has(events.PIDFD_SIGNAL_PROCESS_GROUP) && isDisruptive(call.Signal)
}

func (s *UnusualFlags) match(call *events.SendSignal, t *target.Target) (verdict, bool) {
	var r reasons
	if call.Flags.Unknown() != 0 {
		r |= reasonUnknownFlags
	}
	if call.Flags.MultipleScopes() {
		r |= reasonMultipleScopes
	}
	if isProcessGroupKill(call) && !s.ownGroup(call, t) {
		r |= reasonProcessGroupKill
	}
	switch {
	case r == 0:
		return verdict{}, false
	case r&reasonProcessGroupKill != 0:
		return verdict{severity: severityMedium, technique: &techServiceStop, reasons: r}, true
	default:
		return verdict{severity: severityLow, technique: &techSystemChecks, reasons: r}, true
	}
}

// ownGroup reports whether the call targets a group the sender may manage
// as its own, when the configuration skips those.
func (s *UnusualFlags) ownGroup(call *events.SendSignal, t *target.Target) bool {
	return s.ignoreOwnGroups && t.UIDKnown && t.UID == call.Sender.UID
}
