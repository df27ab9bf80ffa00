package signatures

import (
	"github.com/pidfdsig/pidfdsig/events"
	"github.com/pidfdsig/pidfdsig/target"
)

var containerEscapeSignalMetadata = newMetadata(
	IDContainerEscapeSignal,
	"Container process signalled a process outside its container",
	"pidfd_container_escape_signal",
	"A process in a container (or in a pid namespace other than the host's) used pidfd_send_signal on a "+
		"host process or on a process of another container. Containers without the host's pid namespace cannot "+
		"name such processes, so the pidfd was smuggled in, or the container shares the host's pid namespace.",
	severityHigh, &techEscapeToHost,
)

// ContainerEscapeSignal is PFD-6, pidfd_container_escape_signal. It follows
// the kernel's rule that a process in a child pid namespace can signal only
// processes of its namespace and the ones below it (anything else is
// refused with EINVAL before any other check):
//   - a sender in a child pid namespace (Tracee's pidNamespace, or, in the
//     main branch's JSON which has no namespace, a pid that differs from its
//     host pid) is reported when the kernel refused with EINVAL a call whose
//     arguments are otherwise valid (known flags, a valid signal, NULL
//     info): the pidfd named a process outside its namespace, passed in
//     from outside. The target need not be known. Its successful calls
//     reached its own namespace: a pod's containers sharing one namespace,
//     a sandbox inside the container.
//   - a sender in a container that shares the host's pid namespace
//     (hostPID) is reported when its call was delivered or refused with
//     EPERM and the target is known to be a host process (no container id,
//     the initial pid namespace) or a process of another container.
//
// Signal 0 counts too: probing the host is reconnaissance for an escape.
// Severity 3 when a real signal was delivered, 2 otherwise. Technique T1611
// Escape to Host.
type ContainerEscapeSignal struct {
	core
}

// NewContainerEscapeSignal builds PFD-6 from cfg.
func NewContainerEscapeSignal(cfg Config, opts ...Option) (*ContainerEscapeSignal, error) {
	s := &ContainerEscapeSignal{}
	if err := s.setup(containerEscapeSignalMetadata, s, &cfg, opts); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *ContainerEscapeSignal) candidate(call *events.SendSignal) bool {
	return !call.TargetsSelf() && (fencedOff(call) || fromHostPIDContainer(call))
}

// fencedOff reports a call from a child pid namespace that the kernel
// refused because its pidfd names a process outside.
func fencedOff(call *events.SendSignal) bool {
	return pidNamespaceOf(&call.Sender) != nsInitial && call.Result.Is(events.EINVAL) && outsideNamespaceEINVAL(call)
}

// fromHostPIDContainer reports a call delivered or refused with EPERM from a
// container that may share the host's pid namespace.
func fromHostPIDContainer(call *events.SendSignal) bool {
	return call.Sender.ContainerID != "" && pidNamespaceOf(&call.Sender) != nsChild &&
		(call.Result.OK() || call.Result.Is(events.EPERM))
}

func (s *ContainerEscapeSignal) match(call *events.SendSignal, t *target.Target) (verdict, bool) {
	if !s.candidate(call) || t.IsSender {
		return verdict{}, false
	}
	var r reasons
	switch {
	case fencedOff(call):
		r = reasonOutsidePidNamespace
	case fromHostPIDContainer(call):
		r = outsideReasons(&call.Sender, t)
	}
	if r == 0 {
		return verdict{}, false
	}
	v := verdict{severity: severityMedium, technique: &techEscapeToHost, reasons: r}
	if call.Delivered() {
		v.severity = severityHigh
	}
	return v, true
}

// pidNamespace classifies the pid namespace of a process.
type pidNamespace uint8

const (
	nsUnknown pidNamespace = iota
	nsInitial              // the host's
	nsChild                // any other
)

// pidNamespaceOf tells where p runs: from its pid namespace inode when
// Tracee gives it, else from its pids (a pid that differs from the host pid
// is numbered in a child namespace), as the main branch's JSON carries no
// namespace.
func pidNamespaceOf(p *events.Process) pidNamespace {
	switch {
	case p.PidNS == initPidNS:
		return nsInitial
	case p.PidNS != 0:
		return nsChild
	case p.PID <= 0 || p.HostPID <= 0:
		return nsUnknown
	case p.PID == p.HostPID:
		return nsInitial
	default:
		return nsChild
	}
}

// outsideReasons tells where t is if it is known to be outside the sender's
// container; 0 if it is inside, or if not enough is known.
func outsideReasons(sender *events.Process, t *target.Target) reasons {
	switch {
	case !t.Known():
		return 0
	case t.ContainerID != "" && t.ContainerID != sender.ContainerID:
		return reasonOtherContainer
	case t.ContainerID == "" && t.PidNS == initPidNS:
		return reasonHostProcess
	default:
		return 0
	}
}

// outsideNamespaceEINVAL reports whether the only check that can have failed
// with EINVAL is the pid namespace one: the flags are valid, the signal is
// valid, no siginfo was passed (whose si_signo could mismatch), and the
// pidfd is a real fd.
func outsideNamespaceEINVAL(call *events.SendSignal) bool {
	return call.Flags.Valid() && call.Signal.Valid() && call.Info.IsNull() && call.PidFD.Kind() == events.PidFDKindFD
}
