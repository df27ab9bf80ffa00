package target

// LiveQuery names one fd of a process running on this host, as a live
// resolver is asked about it.
type LiveQuery struct {
	// HostPID is the sending process (thread-group id, initial pid
	// namespace) whose fd table is read.
	HostPID int32
	// HostTID is the sending thread; 0 when unknown.
	HostTID int32
	// FD is the pidfd argument of the call.
	FD int32
	// SenderStart is the sending thread's start time in nanoseconds since
	// the Unix epoch (Tracee's threadStartTime); 0 skips the check that the
	// process now holding HostPID is the one that made the call.
	SenderStart int64
	// SenderPidNS is the pid namespace inode of the sender, to express the
	// target's pid in it; 0 when unknown.
	SenderPidNS uint32
}

// LiveResolver reads what an fd of a running process points at, at the
// moment of the call to Lookup. The answer is only as good as the
// assumption that the sender still exists and its fd still holds the
// pidfd the call used: the Tracker asks only about recent calls on fds whose
// history the event stream does not contradict, and a resolver reports a
// sender that has gone (or whose pid was reused) as unknown with a reason.
//
// Lookup returns a Target with Source SourceProcfs or SourcePidfdInfo, or
// SourceUnknown and a Reason. It must be safe for concurrent use.
type LiveResolver interface {
	Lookup(q LiveQuery) Target
}
