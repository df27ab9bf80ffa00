package signatures

import (
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

var forgedSiginfoMetadata = newMetadata(
	IDForgedSiginfo,
	"Forged siginfo refused by the kernel",
	"pidfd_forged_siginfo",
	"pidfd_send_signal passed its own siginfo to another process and the kernel refused it with EPERM "+
		"although the sender was allowed to signal that process: the siginfo claimed to come from the kernel "+
		"or from kill(), a forgery the kernel blocks.",
	severityHigh, &techMasquerading,
)

// ForgedSiginfo is PFD-3, pidfd_forged_siginfo. It reports a call with a
// non-NULL info that failed with EPERM when permission cannot be the
// reason: the target's real uid (or saved uid) is the sender's uid, or the
// sender is root. The kernel then refused the siginfo's si_code (>= 0 or
// SI_TKILL), which only a forger sets. A successful call (systemd's SI_QUEUE)
// never matches, nor does one to the sender itself, which may set any
// si_code. For a process-group call only a root sender counts, since a
// group member of another user could explain the EPERM.
//
// Severity 3 when the target's uid proves the permission, 2 when only the
// sender being root does (root without CAP_KILL, or a Landlock signal
// scope, would also get EPERM). Technique T1036 Masquerading.
type ForgedSiginfo struct {
	core
}

// NewForgedSiginfo builds PFD-3 from cfg.
func NewForgedSiginfo(cfg Config, opts ...Option) (*ForgedSiginfo, error) {
	s := &ForgedSiginfo{}
	if err := s.setup(forgedSiginfoMetadata, s, &cfg, opts); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *ForgedSiginfo) candidate(call *events.SendSignal) bool {
	processGroup := call.Scope() == events.ScopeProcessGroup
	return !call.Info.IsNull() && call.Result.Is(events.EPERM) && (processGroup || !call.TargetsSelf())
}

func (s *ForgedSiginfo) match(call *events.SendSignal, t *target.Target) (verdict, bool) {
	processGroup := call.Scope() == events.ScopeProcessGroup
	if !s.candidate(call) || (t.IsSender && !processGroup) {
		return verdict{}, false
	}
	sender := call.Sender.UID
	var r reasons
	if t.UIDKnown && t.UID == sender {
		r |= reasonSameUID
	}
	if t.CredsKnown && t.SUID == sender {
		r |= reasonTargetSavedUID
	}
	if processGroup {
		r &^= reasonSameUID | reasonTargetSavedUID
	}
	if sender == 0 {
		r |= reasonRootSender
	}
	switch {
	case r == 0:
		return verdict{}, false
	case r&(reasonSameUID|reasonTargetSavedUID) != 0:
		return verdict{severity: severityHigh, technique: &techMasquerading, reasons: r}, true
	default:
		return verdict{severity: severityMedium, technique: &techMasquerading, reasons: r}, true
	}
}
