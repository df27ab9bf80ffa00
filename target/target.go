package target

// Source tells how a target was learned, from most to least trusted.
type Source uint8

// The ways a target can be known.
const (
	// SourceUnknown: nothing trustworthy is known; Target.Reason says why.
	SourceUnknown Source = iota
	// SourceSelf: the pidfd is PIDFD_SELF_THREAD or PIDFD_SELF_THREAD_GROUP.
	SourceSelf
	// SourceTracked: followed from the event stream (pidfd_open, dup, fork...).
	SourceTracked
	// SourceProcfs: read live from /proc/PID/fdinfo/FD and /proc/PID/status.
	SourceProcfs
	// SourcePidfdInfo: read live with pidfd_getfd and ioctl(PIDFD_GET_INFO).
	SourcePidfdInfo
)

// String returns the name used in findings and in the Rego input: "unknown",
// "self", "tracked", "procfs" or "pidfd_info".
func (s Source) String() string {
	switch s {
	case SourceSelf:
		return "self"
	case SourceTracked:
		return "tracked"
	case SourceProcfs:
		return "procfs"
	case SourcePidfdInfo:
		return "pidfd_info"
	default:
		return "unknown"
	}
}

// Target is what is known of the process a pidfd_send_signal call signals.
// The zero value is an unknown target. Fields are meaningful only when the
// matching Known flag (or Source) says so: an unknown answer is honest, a
// wrong one is a defect.
type Target struct {
	Source Source
	// Reason explains an unknown target (or a partial one), e.g.
	// "fd not tracked ...", "fd rebound after the call ...": short fixed
	// phrases, joined by "; " when a live lookup failed too.
	Reason string

	HostPID int32 // tgid in the initial pid namespace; 0 when unknown
	HostTID int32 // thread id when the pidfd refers to a thread; else 0
	PID     int32 // pid in the sender's pid namespace; 0 when unknown
	Thread  bool  // the pidfd was opened with PIDFD_THREAD

	UIDKnown bool   // UID holds the target's real uid
	UID      uint32 // real uid
	// CredsKnown: EUID and SUID hold the effective and saved uids.
	CredsKnown bool
	EUID       uint32
	SUID       uint32

	Comm        string // process name, "" when unknown
	Exe         string // executable path, "" when unknown
	ContainerID string // container id, "" on the host or when unknown
	PidNS       uint32 // pid namespace inode, 0 when unknown

	// IsSender reports that the target is the sending process itself.
	IsSender bool
	// Exited reports that the target had exited when the call was made.
	Exited bool
}

// Known reports whether the target process is identified.
func (t Target) Known() bool { return t.Source != SourceUnknown }
