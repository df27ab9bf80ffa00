package signatures

import (
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

var securityToolKillMetadata = newMetadata(
	IDSecurityToolKill,
	"Security or audit agent killed or stopped through a pidfd",
	"pidfd_security_tool_kill",
	"A process sent a terminating or stopping signal to a security or audit agent (Tracee, Falco, auditd, "+
		"osquery, Tetragon, an EDR sensor...) with pidfd_send_signal. Disabling the tools that watch a host "+
		"is a common first step of an intrusion.",
	severityHigh, &techDisableTools,
)

// SecurityToolKill is PFD-5, pidfd_security_tool_kill. It reports one of
// Config.SecurityTools.Signals (by default SIGKILL, SIGTERM, SIGINT, SIGQUIT,
// SIGSTOP, SIGTSTP) sent to a process whose name (comm) or executable path
// is on the configured list of security and audit agents, by any sender,
// root included. Only calls that reached the agent (success) or tried to
// and were refused (EPERM) count: a call that failed otherwise (ESRCH: the
// agent was already gone; EINVAL, EBADF) did nothing to it. An agent
// signalling itself is skipped, and with IgnoreSameTool so is a sender that
// is the same agent as the target (same executable, or same name when an
// executable is unknown): osqueryd's watchdog restarting its worker.
//
// Severity 3 when delivered, 2 when refused. Technique T1562.001 Disable or
// Modify Tools (T1685 in ATT&CK v19). The finding data add
// "security_tool": the name or glob that matched.
type SecurityToolKill struct {
	core
	names          nameSet
	exe            globList
	signals        [events.SIGRTMAX + 1]bool
	ignoreSameTool bool
}

// NewSecurityToolKill builds PFD-5 from cfg.
func NewSecurityToolKill(cfg Config, opts ...Option) (*SecurityToolKill, error) {
	st := cfg.SecurityTools
	s := &SecurityToolKill{
		names:          newNameSet(st.Names),
		exe:            newGlobList(st.Exe),
		ignoreSameTool: st.IgnoreSameTool,
	}
	for _, name := range st.Signals {
		if sig, ok := signalByName(name); ok {
			s.signals[sig] = true
		}
	}
	if err := s.setup(securityToolKillMetadata, s, &cfg, opts); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *SecurityToolKill) candidate(call *events.SendSignal) bool {
	return call.Signal.Valid() && s.signals[call.Signal] && !call.TargetsSelf() &&
		(call.Result.OK() || call.Result.Is(events.EPERM))
}

func (s *SecurityToolKill) match(call *events.SendSignal, t *target.Target) (verdict, bool) {
	if !s.candidate(call) || !t.Known() || t.IsSender {
		return verdict{}, false
	}
	var r reasons
	if s.names.has(t.Comm) {
		r |= reasonToolName
	}
	if s.exe.match(t.Exe) != "" {
		r |= reasonToolExe
	}
	if r == 0 || (s.ignoreSameTool && sameProgram(&call.Sender, t)) {
		return verdict{}, false
	}
	v := verdict{severity: severityMedium, technique: &techDisableTools, reasons: r | reasonPermissionDenied}
	if call.Result.OK() {
		v.severity, v.reasons = severityHigh, r|reasonDelivered
	}
	return v, true
}

// sameProgram reports whether sender runs the same program as t: the same
// executable when both are known, else the same name.
func sameProgram(sender *events.Process, t *target.Target) bool {
	if sender.Exe != "" && t.Exe != "" {
		return sender.Exe == t.Exe
	}
	return sender.Comm != "" && sender.Comm == t.Comm
}

func (s *SecurityToolKill) extendData(data map[string]interface{}, _ *events.SendSignal, t *target.Target) {
	tool := s.exe.match(t.Exe)
	if s.names.has(t.Comm) {
		tool = t.Comm
	}
	data[DataSecurityTool] = tool
}
